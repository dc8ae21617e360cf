// A Telegram chat through K8sClaw on the host, over the real path: the channel program
// (src/cmd/channel.ts, real grammY, started with the environment the controller's channel
// Deployment sets and the channel's own bus credentials) polls the Telegram Bot API fake; the API
// server binary turns each chat message into an AgentRun over a real nats-server, and records the
// run's completion (published here as the run's IPC bridge would, with the run's credentials) into
// a real PostgreSQL and sends the reply back to the channel, which posts it into the same chat.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import type { AgentRun } from '../../../src/api/index.ts';
import {
  buildChannelInboxPrefix,
  channelPermissions,
  connectEventBus,
  issueUserCredentials,
} from '../../../src/eventbus/index.ts';
import { startTelegramFake, type TelegramFake } from '../../fakes/telegram/index.ts';
import { startChannelStack, type ChannelProcess, type ChannelStack } from '../../harness/channel-stack.ts';
import { eventually } from '../../harness/eventually.ts';
import { integrationKubeClient } from '../../harness/integration.ts';
import { httpOkProbe } from '../../harness/probes.ts';
import { callApi } from '../apiserver/api-fixtures.ts';

const instanceName = 'claw';
const token = '123456:CHANNEL-test-token';
const ada = { id: 42, username: 'ada', firstName: 'Ada' };
const stranger = { id: 99, username: 'mallory', firstName: 'Mallory' };
const denyMessage = 'Sorry, this bot is private.';

describe('a Telegram chat through the channel program and the API server', () => {
  const kube = integrationKubeClient();
  let stack: ChannelStack | undefined;
  let telegram: TelegramFake | undefined;
  let channelProcess: ChannelProcess | undefined;

  before(async () => {
    telegram = await startTelegramFake({ token });
    stack = await startChannelStack({
      kube,
      name: 'channels',
      instanceName,
      channel: {
        type: 'telegram',
        secretRef: { name: 'claw-telegram' },
        accessControl: { allowedSenders: ['ada'], denyMessage },
      },
      logLevel: 'debug',
    });
    channelProcess = await stack.startChannel({
      secrets: { TELEGRAM_BOT_TOKEN: token, K8SCLAW_TELEGRAM_API_ROOT: telegram.apiRoot },
    });
  });
  after(async () => {
    await stack?.stop();
    await telegram?.close();
  });

  async function listRuns(): Promise<AgentRun[]> {
    assert.ok(stack);
    return await stack.listRuns();
  }

  async function runOfTask(task: string): Promise<AgentRun> {
    return await eventually(`the AgentRun of "${task}"`, async () =>
      (await listRuns()).find((run) => run.spec.task === task),
    );
  }

  /** The run's IPC bridge: publishes the run's completion with the run's own credentials. */
  async function completeRun(run: AgentRun, response: string): Promise<void> {
    assert.ok(stack);
    await stack.completeRun(run, response);
  }

  function repliesTo(chatId: number, text: string) {
    assert.ok(telegram);
    return telegram
      .sentMessages()
      .filter((call) => Number(call.params.chat_id) === chatId && call.params.text === text);
  }

  /** Waits for a reply, then a while longer, and says how often it was sent. */
  async function countReplies(chatId: number, text: string): Promise<number> {
    await eventually(`the reply "${text}" in chat ${chatId}`, async () =>
      repliesTo(chatId, text).length > 0 ? true : undefined,
    );
    // long enough for a second copy (a redelivery, a retry) to show
    await sleep(1500);
    return repliesTo(chatId, text).length;
  }

  it('a message becomes a run of the chat’s session, and its reply comes back into the chat once', async () => {
    assert.ok(telegram);
    const { messageId } = telegram.pushMessage({ chatId: 42, from: ada, text: 'Hello, who are you?' });
    const run = await runOfTask('Hello, who are you?');
    assert.equal(run.spec.instanceRef, instanceName);
    assert.equal(run.spec.sessionKey, 'telegram:42');
    await eventually('the typing indicator', async () =>
      telegram?.calls.some((call) => call.method === 'sendChatAction' && call.params.chat_id === '42')
        ? true
        : undefined,
    );
    await completeRun(run, 'I am **Claw**. Nice to meet you, Ada!');
    assert.equal(await countReplies(42, 'I am *Claw*\\. Nice to meet you, Ada\\!'), 1);
    const [reply] = repliesTo(42, 'I am *Claw*\\. Nice to meet you, Ada\\!');
    assert.equal(reply?.params.parse_mode, 'MarkdownV2');
    assert.deepEqual(reply?.params.reply_parameters, {
      message_id: messageId,
      allow_sending_without_reply: true,
    });
    // the chat is a session: the turn is stored there, for the chat's next run to see
    assert.ok(stack);
    const messages = await callApi(
      stack.server.url,
      'GET',
      `/api/v1/namespaces/${stack.tenantNs}/instances/${instanceName}/sessions/${encodeURIComponent('telegram:42')}/messages`,
      { token: stack.tenantToken },
    );
    assert.equal(messages.status, 200);
    assert.deepEqual(
      (messages.body.items as { role: string; content: string }[]).map(({ role, content }) => ({
        role,
        content,
      })),
      [
        { role: 'user', content: 'Hello, who are you?' },
        { role: 'assistant', content: 'I am **Claw**. Nice to meet you, Ada!' },
      ],
    );
  });

  it('a message for an instance of the same name but another uid becomes no run', async () => {
    assert.ok(stack);
    const { nats, authority, tenantNs, instance } = stack;
    const identity = { namespace: tenantNs, instance: instanceName, channel: 'telegram' as const };
    const bus = await connectEventBus({
      url: nats.url,
      name: 'stale-channel',
      credentials: await issueUserCredentials(authority, {
        name: 'stale',
        permissions: channelPermissions(identity),
      }),
      inboxPrefix: buildChannelInboxPrefix(identity),
      connectTimeoutMs: 10_000,
    });
    const message = (id: string, instanceUid: string, text: string) => ({
      id,
      channel: 'telegram' as const,
      namespace: tenantNs,
      instance: instanceName,
      instanceUid,
      chat: { chatId: '42' },
      sender: { id: '42' },
      text,
      sentAt: new Date().toISOString(),
    });
    try {
      await bus.publishChannelMessage(
        identity,
        message('stale-1', 'uid-of-a-deleted-instance', 'For the old one'),
      );
      // one consumer handles messages in order: once the next one has its run, the first was handled
      await bus.publishChannelMessage(
        identity,
        message('stale-2', instance.metadata.uid ?? '', 'For this one'),
      );
    } finally {
      await bus.close();
    }
    await runOfTask('For this one');
    assert.equal((await listRuns()).filter((run) => run.spec.task === 'For the old one').length, 0);
  });

  it('an unknown sender gets the deny message and no run', async () => {
    assert.ok(telegram);
    telegram.pushMessage({ chatId: 99, from: stranger, text: 'Let me in' });
    // messages are handled in order: once Ada's next message has its run, the stranger's was handled
    telegram.pushMessage({ chatId: 42, from: ada, text: 'Still there?' });
    await runOfTask('Still there?');
    assert.equal((await listRuns()).filter((run) => run.spec.task === 'Let me in').length, 0);
    assert.equal(repliesTo(99, denyMessage).length, 1);
  });

  it('a reply the service refuses with 429 and then 500 arrives once it takes it, exactly once', async () => {
    assert.ok(telegram);
    const run = await runOfTask('Still there?');
    telegram.failNext('sendMessage', { status: 429, retryAfterSeconds: 1 }, { status: 500 });
    await completeRun(run, 'Yes');
    assert.equal(await countReplies(42, 'Yes'), 1);
    assert.equal(telegram.faultsServed('sendMessage'), 2);
  });

  it('a reply the service refuses for good is counted on /metrics, not retried', async () => {
    assert.ok(telegram);
    telegram.pushMessage({ chatId: 42, from: ada, text: 'Are you there?' });
    const run = await runOfTask('Are you there?');
    const refusedBefore = telegram.faultsServed('sendMessage');
    telegram.failNext('sendMessage', { status: 403 });
    await completeRun(run, 'Blocked reply');
    const metrics = await eventually('the refused reply on /metrics', async () => {
      const text = await (await fetch(`${channelProcess?.healthUrl}/metrics`)).text();
      return /k8sclaw_channel_replies_total\{outcome="refused"\} 1\b/.test(text) ? text : undefined;
    });
    assert.match(metrics, /k8sclaw_channel_replies_total\{outcome="delivered"\} 2\b/);
    assert.match(metrics, /k8sclaw_channel_replies_total\{outcome="retried"\} 2\b/);
    assert.match(metrics, /k8sclaw_channel_messages_total\{outcome="denied"\} 1\b/);
    await sleep(1000);
    assert.equal(telegram.faultsServed('sendMessage'), refusedBefore + 1);
    assert.equal(repliesTo(42, 'Blocked reply').length, 0);
  });

  it('a channel killed after the message reached the bus delivers the reply once after its restart', async () => {
    assert.ok(telegram && channelProcess);
    const channel = channelProcess.process;
    telegram.pushMessage({ chatId: 42, from: ada, text: 'Remember tea' });
    const run = await runOfTask('Remember tea');
    await channel.crash();
    await completeRun(run, 'Noted: tea');
    // the reply waits on the bus while no channel runs
    await sleep(1000);
    assert.equal(repliesTo(42, 'Noted: tea').length, 0);
    channel.start();
    await channel.waitUntilReady(httpOkProbe(`${channelProcess.healthUrl}/readyz`), 30_000);
    assert.equal(await countReplies(42, 'Noted: tea'), 1);
    assert.equal((await listRuns()).filter((item) => item.spec.task === 'Remember tea').length, 1);
  });
});
