// A Discord chat through K8sClaw on the host, over the real path: the channel program
// (src/cmd/channel.ts, real discord.js, started with the environment the controller's channel
// Deployment sets and the channel's own bus credentials) connects to the Discord fake's Gateway
// and REST API; the API server binary turns each chat message into an AgentRun over a real
// nats-server, and records the run's completion (published here as the run's IPC bridge would, with
// the run's credentials) into a real PostgreSQL and sends the reply back to the channel, which
// creates it in the same channel or thread.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { startDiscordFake, type DiscordFake } from '../../fakes/discord/index.ts';
import { startChannelStack, type ChannelProcess, type ChannelStack } from '../../harness/channel-stack.ts';
import { countReplies as countSent } from '../../harness/count-replies.ts';
import { eventually } from '../../harness/eventually.ts';
import { integrationKubeClient } from '../../harness/integration.ts';

const instanceName = 'claw';
const token = 'MTAxNTQ.CHANNEL-test.token';
const ada = { id: '100000000000000042', username: 'ada', globalName: 'Ada' };
const stranger = { id: '100000000000000099', username: 'mallory', globalName: 'Mallory' };
/** The DM channels of Ada and of the stranger with the bot. */
const adaDm = '800000000000000042';
const strangerDm = '800000000000000099';
const denyMessage = 'Sorry, this bot is private.';

describe('a Discord chat through the channel program and the API server', () => {
  const kube = integrationKubeClient();
  let discord: DiscordFake | undefined;
  let stack: ChannelStack;
  let channel: ChannelProcess;

  before(async () => {
    discord = await startDiscordFake({ token });
    stack = await startChannelStack({
      kube,
      name: 'channels',
      instanceName,
      channel: {
        type: 'discord',
        secretRef: { name: 'claw-discord' },
        accessControl: { allowedSenders: ['ada'], denyMessage },
      },
      logLevel: 'debug',
    });
    channel = await stack.startChannel({
      secrets: { DISCORD_BOT_TOKEN: token, K8SCLAW_DISCORD_API_URL: discord.apiUrl },
    });
  });
  after(async () => {
    await stack?.stop();
    await discord?.close();
  });

  /** The messages the bot created in this channel (or thread) with this text. */
  function repliesTo(channelId: string, text: string) {
    assert.ok(discord);
    return discord
      .sentMessages()
      .filter((call) => call.path === `/channels/${channelId}/messages` && call.body?.content === text);
  }

  /** Waits for the reply, then a while longer, and says how often it was sent. */
  async function countReplies(channelId: string, text: string): Promise<number> {
    return await countSent(`the reply "${text}" in channel ${channelId}`, () => repliesTo(channelId, text));
  }

  it('a mention in a thread becomes a run of the thread’s session, and its reply comes back into the thread once', async () => {
    assert.ok(discord);
    const { guild, bot } = discord;
    const { messageId } = discord.pushMessage({
      channelId: guild.threadId,
      author: ada,
      content: `<@${bot.id}> Hello, who are you?`,
    });
    const run = await stack.runOfTask('Hello, who are you?');
    assert.equal(run.spec.instanceRef, instanceName);
    assert.equal(run.spec.sessionKey, `discord:${guild.channelId}:${guild.threadId}`);
    await eventually('the typing indicator', async () =>
      discord?.calls.some(
        (call) =>
          call.method === 'triggerTypingIndicator' && call.path === `/channels/${guild.threadId}/typing`,
      )
        ? true
        : undefined,
    );
    await stack.completeRun(run, 'I am **Claw**. Nice to meet you, Ada!');
    assert.equal(await countReplies(guild.threadId, 'I am **Claw**. Nice to meet you, Ada!'), 1);
    const [reply] = repliesTo(guild.threadId, 'I am **Claw**. Nice to meet you, Ada!');
    assert.deepEqual(reply?.body?.message_reference, { message_id: messageId, fail_if_not_exists: false });
    assert.deepEqual(reply?.body?.allowed_mentions, { parse: [] });
    assert.equal(repliesTo(guild.channelId, 'I am **Claw**. Nice to meet you, Ada!').length, 0);
  });

  it('a reply to the bot in the thread continues the thread’s session', async () => {
    assert.ok(discord);
    const { guild, bot } = discord;
    const [botMessage] = repliesTo(guild.threadId, 'I am **Claw**. Nice to meet you, Ada!');
    assert.ok(botMessage?.message);
    discord.pushMessage({
      channelId: guild.threadId,
      author: ada,
      content: 'What can you do?',
      replyTo: { messageId: String(botMessage.message.id), author: bot },
    });
    const run = await stack.runOfTask('What can you do?');
    const sessionKey = `discord:${guild.channelId}:${guild.threadId}`;
    assert.equal(run.spec.sessionKey, sessionKey);
    await stack.completeRun(run, 'Answer questions.');
    assert.equal(await countReplies(guild.threadId, 'Answer questions.'), 1);
    const messages = await eventually('both turns in the session', async () => {
      const { status, turns } = await stack.sessionTurns(sessionKey);
      return status === 200 && turns.length === 4 ? turns : undefined;
    });
    assert.deepEqual(messages, [
      { role: 'user', content: 'Hello, who are you?' },
      { role: 'assistant', content: 'I am **Claw**. Nice to meet you, Ada!' },
      { role: 'user', content: 'What can you do?' },
      { role: 'assistant', content: 'Answer questions.' },
    ]);
  });

  it('a message for an instance of the same name but another uid becomes no run', async () => {
    await stack.publishAsChannel([
      { id: 'stale-1', instanceUid: 'uid-of-a-deleted-instance', chatId: adaDm, text: 'For the old one' },
      // one consumer handles messages in order: once the next one has its run, the first was handled
      { id: 'stale-2', instanceUid: stack.instance.metadata.uid ?? '', chatId: adaDm, text: 'For this one' },
    ]);
    await stack.runOfTask('For this one');
    assert.equal((await stack.listRuns()).filter((run) => run.spec.task === 'For the old one').length, 0);
  });

  it('an unknown sender gets the deny message and no run', async () => {
    assert.ok(discord);
    discord.pushMessage({ channelId: strangerDm, author: stranger, content: 'Let me in' });
    // messages are handled in order: once Ada's next message has its run, the stranger's was handled
    discord.pushMessage({ channelId: adaDm, author: ada, content: 'Still there?' });
    const run = await stack.runOfTask('Still there?');
    assert.equal(run.spec.sessionKey, `discord:${adaDm}`);
    assert.equal((await stack.listRuns()).filter((item) => item.spec.task === 'Let me in').length, 0);
    assert.equal(repliesTo(strangerDm, denyMessage).length, 1);
  });

  it('a reply the service refuses with 429 and then 500 arrives once it takes it, exactly once', async () => {
    assert.ok(discord);
    const run = await stack.runOfTask('Still there?');
    discord.failNext('createMessage', { status: 429, retryAfterSeconds: 1 }, { status: 500 });
    await stack.completeRun(run, 'Yes');
    assert.equal(await countReplies(adaDm, 'Yes'), 1);
    assert.equal(discord.faultsServed('createMessage'), 2);
  });

  it('a reply the service refuses for good is counted on /metrics, not retried', async () => {
    assert.ok(discord);
    discord.pushMessage({ channelId: adaDm, author: ada, content: 'Are you there?' });
    const run = await stack.runOfTask('Are you there?');
    const refusedBefore = discord.faultsServed('createMessage');
    discord.failNext('createMessage', { status: 403 });
    await stack.completeRun(run, 'Blocked reply');
    const metrics = await eventually('the refused reply on /metrics', async () => {
      const text = await channel.metrics();
      return /k8sclaw_channel_replies_total\{outcome="refused"\} 1\b/.test(text) ? text : undefined;
    });
    assert.match(metrics, /k8sclaw_channel_replies_total\{outcome="delivered"\} 3\b/);
    assert.match(metrics, /k8sclaw_channel_replies_total\{outcome="retried"\} 2\b/);
    assert.match(metrics, /k8sclaw_channel_messages_total\{outcome="denied"\} 1\b/);
    await sleep(1000);
    assert.equal(discord.faultsServed('createMessage'), refusedBefore + 1);
    assert.equal(repliesTo(adaDm, 'Blocked reply').length, 0);
  });

  it('a channel killed after the message reached the bus delivers the reply once after its restart', async () => {
    assert.ok(discord);
    discord.pushMessage({ channelId: adaDm, author: ada, content: 'Remember tea' });
    const run = await stack.runOfTask('Remember tea');
    await channel.process.crash();
    await stack.completeRun(run, 'Noted: tea');
    // the reply waits on the bus while no channel runs
    await sleep(1000);
    assert.equal(repliesTo(adaDm, 'Noted: tea').length, 0);
    await channel.restart();
    assert.equal(await countReplies(adaDm, 'Noted: tea'), 1);
    assert.equal((await stack.listRuns()).filter((item) => item.spec.task === 'Remember tea').length, 1);
    // the new process identified a new Gateway session: nothing came again from Discord
    assert.equal(discord.gatewayEvents().filter((event) => event.kind === 'identify').length, 2);
  });
});
