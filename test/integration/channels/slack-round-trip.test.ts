// A Slack workspace through K8sClaw on the host, over the real path: the channel program
// (src/cmd/channel.ts, real Bolt, started with the environment the controller's channel Deployment
// sets and the channel's own bus credentials) talks to the Slack fake, first in Socket Mode, then
// with the HTTP Events API; the API server binary turns each chat message into an AgentRun over a
// real nats-server, records the run's completion (published here as the run's IPC bridge would,
// with the run's credentials) into a real PostgreSQL and sends the reply back to the channel, which
// posts it into the same conversation and thread.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { startSlackFake, type SlackFake } from '../../fakes/slack/index.ts';
import { startChannelStack, type ChannelProcess, type ChannelStack } from '../../harness/channel-stack.ts';
import { countReplies as countSent } from '../../harness/count-replies.ts';
import { eventually } from '../../harness/eventually.ts';
import { findFreePort } from '../../harness/free-port.ts';
import { integrationKubeClient } from '../../harness/integration.ts';

const instanceName = 'claw';
const botToken = 'xoxb-channel-test';
const appToken = 'xapp-channel-test';
const signingSecret = 'channel-test-signing-secret';
const ada = 'U0ADA';
const stranger = 'U0MALLORY';
const denyMessage = 'Sorry, this bot is private.';

describe('a Slack workspace through the channel program and the API server', () => {
  const kube = integrationKubeClient();
  let slack: SlackFake | undefined;
  let stack: ChannelStack;
  let channel: ChannelProcess;

  before(async () => {
    slack = await startSlackFake({ botToken, appToken, signingSecret });
    stack = await startChannelStack({
      kube,
      name: 'channels',
      instanceName,
      channel: {
        type: 'slack',
        secretRef: { name: 'claw-slack' },
        accessControl: { allowedSenders: [ada], denyMessage },
      },
      logLevel: 'debug',
    });
    channel = await startSlackChannel({ SLACK_APP_TOKEN: appToken });
  });
  after(async () => {
    await stack?.stop();
    await slack?.close();
  });

  /**
   * The channel program with the bot token and the fake's URL in its Secret, and `secrets` for the
   * mode (Socket Mode's app token, or the Events API's signing secret); `ports` stand in for the
   * pod's (the webhook port is 8080 there, taken here).
   */
  async function startSlackChannel(
    secrets: NodeJS.ProcessEnv,
    ports: NodeJS.ProcessEnv = {},
  ): Promise<ChannelProcess> {
    assert.ok(slack);
    return await stack.startChannel({
      secrets: { SLACK_BOT_TOKEN: botToken, K8SCLAW_SLACK_API_URL: slack.apiUrl, ...secrets },
      env: ports,
    });
  }

  function repliesTo(channelId: string, text: string) {
    assert.ok(slack);
    return slack
      .sentMessages()
      .filter((call) => call.params.channel === channelId && call.params.text === text);
  }

  /** Waits for the reply, then a while longer, and says how often it was sent. */
  async function countReplies(channelId: string, text: string): Promise<number> {
    return await countSent(`the reply "${text}" in ${channelId}`, () => repliesTo(channelId, text));
  }

  it('a direct message becomes a run of the conversation’s session, and its reply comes back once', async () => {
    assert.ok(slack);
    slack.pushMessage({ channel: 'D0ADA', user: ada, text: 'Hello, who are you?' });
    const run = await stack.runOfTask('Hello, who are you?');
    assert.equal(run.spec.instanceRef, instanceName);
    assert.equal(run.spec.sessionKey, 'slack:D0ADA');
    await stack.completeRun(run, 'I am **Claw**. Nice to meet you, Ada!');
    assert.equal(await countReplies('D0ADA', 'I am *Claw*. Nice to meet you, Ada!'), 1);
    const [reply] = repliesTo('D0ADA', 'I am *Claw*. Nice to meet you, Ada!');
    assert.equal(reply?.params.thread_ts, undefined);
    // the conversation is a session: the turn is stored there, for its next run to see
    const messages = await stack.sessionTurns('slack:D0ADA');
    assert.equal(messages.status, 200);
    assert.deepEqual(messages.turns, [
      { role: 'user', content: 'Hello, who are you?' },
      { role: 'assistant', content: 'I am **Claw**. Nice to meet you, Ada!' },
    ]);
    // and no acknowledgement was left owing
    await eventually('every envelope acknowledged', async () =>
      slack?.pending().length === 0 ? true : undefined,
    );
  });

  it('a mention in a channel is answered in a thread under it, and the thread continues that session', async () => {
    assert.ok(slack);
    const { ts } = slack.pushMessage({
      channel: 'C0GENERAL',
      user: ada,
      text: `<@${slack.bot.userId}> plan the offsite`,
      appMention: true,
    });
    const first = await stack.runOfTask('plan the offsite');
    assert.equal(first.spec.sessionKey, `slack:C0GENERAL:${ts}`);
    await stack.completeRun(first, 'Where to?');
    assert.equal(await countReplies('C0GENERAL', 'Where to?'), 1);
    assert.equal(repliesTo('C0GENERAL', 'Where to?')[0]?.params.thread_ts, ts);
    // a reply in the thread, without a mention
    slack.pushMessage({ channel: 'C0GENERAL', user: ada, text: 'the lake', threadTs: ts, parentUserId: ada });
    const second = await stack.runOfTask('the lake');
    assert.equal(second.spec.sessionKey, first.spec.sessionKey);
    assert.equal(await stack.runsOfTask('plan the offsite'), 1, 'message and app_mention made one run');
  });

  it('an unknown sender gets the deny message and no run', async () => {
    assert.ok(slack);
    slack.pushMessage({ channel: 'D0MALLORY', user: stranger, text: 'Let me in' });
    // messages are handled in order: once Ada's next message has its run, the stranger's was handled
    slack.pushMessage({ channel: 'D0ADA', user: ada, text: 'Still there?' });
    await stack.runOfTask('Still there?');
    assert.equal(await stack.runsOfTask('Let me in'), 0);
    assert.equal(repliesTo('D0MALLORY', denyMessage).length, 1);
  });

  it('a reply Slack refuses with 429 and then 500 arrives once it takes it, exactly once', async () => {
    assert.ok(slack);
    const run = await stack.runOfTask('Still there?');
    slack.failNext('chat.postMessage', { status: 429, retryAfterSeconds: 1 }, { status: 500 });
    await stack.completeRun(run, 'Yes');
    assert.equal(await countReplies('D0ADA', 'Yes'), 1);
    assert.equal(slack.faultsServed('chat.postMessage'), 2);
  });

  it('a reply Slack refuses for good is counted on /metrics, not retried', async () => {
    assert.ok(slack);
    slack.pushMessage({ channel: 'D0ADA', user: ada, text: 'Are you there?' });
    const run = await stack.runOfTask('Are you there?');
    const refusedBefore = slack.faultsServed('chat.postMessage');
    slack.failNext('chat.postMessage', { error: 'not_in_channel' });
    await stack.completeRun(run, 'Blocked reply');
    await eventually('the refused reply on /metrics', async () => {
      const text = await channel.metrics();
      return /k8sclaw_channel_replies_total\{outcome="refused"\} 1\b/.test(text) ? text : undefined;
    });
    await sleep(1000);
    assert.equal(slack.faultsServed('chat.postMessage'), refusedBefore + 1);
    assert.equal(repliesTo('D0ADA', 'Blocked reply').length, 0);
  });

  it('a channel killed after the message reached the bus delivers the reply once after its restart', async () => {
    assert.ok(slack);
    slack.pushMessage({ channel: 'D0ADA', user: ada, text: 'Remember tea' });
    const run = await stack.runOfTask('Remember tea');
    await channel.process.crash();
    await stack.completeRun(run, 'Noted: tea');
    // the reply waits on the bus while no channel runs
    await sleep(1000);
    assert.equal(repliesTo('D0ADA', 'Noted: tea').length, 0);
    await channel.restart();
    assert.equal(await countReplies('D0ADA', 'Noted: tea'), 1);
    assert.equal(await stack.runsOfTask('Remember tea'), 1);
  });

  describe('with the HTTP Events API instead of Socket Mode', () => {
    before(async () => {
      assert.ok(slack);
      await channel.process.stop();
      const webhookPort = await findFreePort();
      slack.setEventsUrl(`http://127.0.0.1:${webhookPort}/slack/events`);
      channel = await startSlackChannel(
        { SLACK_SIGNING_SECRET: signingSecret },
        { K8SCLAW_WEBHOOK_PORT: String(webhookPort) },
      );
    });

    it('a signed event becomes a run, and its reply comes back once', async () => {
      assert.ok(slack);
      const { statuses } = await slack.postEvent({ channel: 'D0ADA', user: ada, text: 'Posted to you' });
      assert.deepEqual(statuses, [200]);
      const run = await stack.runOfTask('Posted to you');
      assert.equal(run.spec.sessionKey, 'slack:D0ADA');
      await stack.completeRun(run, 'Received');
      assert.equal(await countReplies('D0ADA', 'Received'), 1);
    });

    it('a forged signature gets 401 and no run', async () => {
      assert.ok(slack);
      const forged = await slack.postEvent(
        { channel: 'D0ADA', user: ada, text: 'Forged' },
        { sign: 'forged' },
      );
      assert.deepEqual(forged.statuses, [401]);
      // handled in order: once the next message has its run, the forged one would have had its own
      await slack.postEvent({ channel: 'D0ADA', user: ada, text: 'Genuine' });
      await stack.runOfTask('Genuine');
      assert.equal(await stack.runsOfTask('Forged'), 0);
    });

    it('a delivery Slack retries becomes one run', async () => {
      assert.ok(slack);
      const { statuses } = await slack.postEvent(
        { channel: 'D0ADA', user: ada, text: 'Retried' },
        { times: 3 },
      );
      assert.deepEqual(statuses, [200, 200, 200]);
      await stack.runOfTask('Retried');
      await sleep(1000);
      assert.equal(await stack.runsOfTask('Retried'), 1);
    });
  });
});
