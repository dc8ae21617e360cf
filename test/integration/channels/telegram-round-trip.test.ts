// A Telegram chat through K8sClaw on the host, over the real path: the channel program
// (src/cmd/channel.ts, real grammY, started with the environment the controller's channel
// Deployment sets and the channel's own bus credentials) polls the Telegram Bot API fake; the API
// server binary turns each chat message into an AgentRun over a real nats-server, and records the
// run's completion (published here as the run's IPC bridge would, with the run's credentials) into
// a real PostgreSQL and sends the reply back to the channel, which posts it into the same chat and
// says what became of it in a receipt, which the API server records on the run (the ReplyDelivered
// condition and an Event). There is no controller here: the runs' status holds only that condition. A
// run without a chat of its own (send_channel_message) posts into a chat the instance names.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import type { AgentRun, RunEvent } from '../../../src/api/index.ts';
import { startTelegramFake, type TelegramFake } from '../../fakes/telegram/index.ts';
import { startChannelStack, type ChannelProcess, type ChannelStack } from '../../harness/channel-stack.ts';
import { countReplies as countSent } from '../../harness/count-replies.ts';
import { eventually } from '../../harness/eventually.ts';
import { integrationKubeClient } from '../../harness/integration.ts';

const group = { group: 'k8sclaw.io', version: 'v1alpha1' };
const instanceName = 'claw';
const token = '123456:CHANNEL-test-token';
const ada = { id: 42, username: 'ada', firstName: 'Ada' };
const stranger = { id: 99, username: 'mallory', firstName: 'Mallory' };
const denyMessage = 'Sorry, this bot is private.';
const teamChat = '-1001';

describe('a Telegram chat through the channel program and the API server', () => {
  const kube = integrationKubeClient();
  let telegram: TelegramFake | undefined;
  let stack: ChannelStack;
  let channel: ChannelProcess;
  let tenantNs = '';

  before(async () => {
    telegram = await startTelegramFake({ token });
    stack = await startChannelStack({
      kube,
      name: 'channels',
      instanceName,
      channel: {
        type: 'telegram',
        secretRef: { name: 'claw-telegram' },
        // the chats the instance names: Ada's, and a team group its runs may post to
        accessControl: { allowedSenders: ['ada'], allowedChats: ['42', teamChat], denyMessage },
      },
      logLevel: 'debug',
    });
    tenantNs = stack.tenantNs;
    channel = await stack.startChannel({
      secrets: { TELEGRAM_BOT_TOKEN: token, K8SCLAW_TELEGRAM_API_ROOT: telegram.apiRoot },
      // a reply that still fails on its second delivery from the bus is given up
      env: { K8SCLAW_CHANNEL_MAX_DELIVERIES: '2' },
    });
  });
  after(async () => {
    await stack?.stop();
    await telegram?.close();
  });

  /** Who owns the run's status conditions: the API server applied ReplyDelivered as itself. */
  async function statusManagers(run: AgentRun): Promise<string[]> {
    const current = (await kube.customObjects.getNamespacedCustomObject({
      ...group,
      namespace: tenantNs,
      plural: 'agentruns',
      name: run.metadata.name,
    })) as AgentRun & { metadata: { managedFields?: { manager?: string; subresource?: string }[] } };
    return (current.metadata.managedFields ?? [])
      .filter((entry) => entry.subresource === 'status')
      .map((entry) => entry.manager ?? '');
  }

  /** A run created directly, as a schedule creates one: no session key, no chat of its own. */
  async function createScheduledRun(name: string, task: string): Promise<AgentRun> {
    return (await kube.customObjects.createNamespacedCustomObject({
      ...group,
      namespace: tenantNs,
      plural: 'agentruns',
      body: {
        apiVersion: 'k8sclaw.io/v1alpha1',
        kind: 'AgentRun',
        metadata: { name, namespace: tenantNs },
        spec: { instanceRef: instanceName, task },
      },
    })) as AgentRun;
  }

  /** What send_channel_message writes, as the bridge publishes it. */
  function channelMessageEvent(
    run: AgentRun,
    seq: number,
    chatId: string,
    text: string,
    id = `e${seq}`,
  ): RunEvent {
    return {
      id,
      seq,
      time: new Date().toISOString(),
      identity: stack.identityOf(run),
      body: { type: 'channel_message', channel: 'telegram', chatId, text },
    };
  }

  function repliesTo(chatId: number, text: string) {
    assert.ok(telegram);
    return telegram
      .sentMessages()
      .filter((call) => Number(call.params.chat_id) === chatId && call.params.text === text);
  }

  /** Waits for the reply, then a while longer, and says how often it was sent. */
  async function countReplies(chatId: number, text: string): Promise<number> {
    return await countSent(`the reply "${text}" in chat ${chatId}`, () => repliesTo(chatId, text));
  }

  it('a message becomes a run of the chat’s session, and its reply comes back into the chat once', async () => {
    assert.ok(telegram);
    const { messageId } = telegram.pushMessage({ chatId: 42, from: ada, text: 'Hello, who are you?' });
    const run = await stack.runOfTask('Hello, who are you?');
    assert.equal(run.spec.instanceRef, instanceName);
    assert.equal(run.spec.sessionKey, 'telegram:42');
    await eventually('the typing indicator', async () =>
      telegram?.calls.some((call) => call.method === 'sendChatAction' && call.params.chat_id === '42')
        ? true
        : undefined,
    );
    await stack.completeRun(run, 'I am **Claw**. Nice to meet you, Ada!');
    assert.equal(await countReplies(42, 'I am *Claw*\\. Nice to meet you, Ada\\!'), 1);
    const [reply] = repliesTo(42, 'I am *Claw*\\. Nice to meet you, Ada\\!');
    assert.equal(reply?.params.parse_mode, 'MarkdownV2');
    assert.deepEqual(reply?.params.reply_parameters, {
      message_id: messageId,
      allow_sending_without_reply: true,
    });
    // the channel's receipt shows on the run: the condition, applied by the API server as itself
    const delivered = await stack.replyDelivered(run);
    assert.deepEqual(
      { status: delivered.status, reason: delivered.reason, message: delivered.message },
      { status: 'True', reason: 'Delivered', message: 'Delivered to telegram in 1 message (1 attempt).' },
    );
    assert.deepEqual(await statusManagers(run), ['k8sclaw-apiserver']);
    assert.deepEqual(
      await eventually('the ReplyDelivered Event', async () => {
        const events = await stack.eventsOf(run);
        return events.length > 0 ? events : undefined;
      }),
      [
        {
          type: 'Normal',
          reason: 'ReplyDelivered',
          message: 'Delivered to telegram in 1 message (1 attempt).',
        },
      ],
    );
    // the chat is a session: the turn is stored there, for the chat's next run to see
    const messages = await stack.sessionTurns('telegram:42');
    assert.equal(messages.status, 200);
    assert.deepEqual(messages.turns, [
      { role: 'user', content: 'Hello, who are you?' },
      { role: 'assistant', content: 'I am **Claw**. Nice to meet you, Ada!' },
    ]);
  });

  it('a message for an instance of the same name but another uid becomes no run', async () => {
    await stack.publishAsChannel([
      { id: 'stale-1', instanceUid: 'uid-of-a-deleted-instance', chatId: '42', text: 'For the old one' },
      // one consumer handles messages in order: once the next one has its run, the first was handled
      { id: 'stale-2', instanceUid: stack.instance.metadata.uid ?? '', chatId: '42', text: 'For this one' },
    ]);
    await stack.runOfTask('For this one');
    assert.equal((await stack.listRuns()).filter((run) => run.spec.task === 'For the old one').length, 0);
  });

  it('an unknown sender gets the deny message and no run', async () => {
    assert.ok(telegram);
    telegram.pushMessage({ chatId: 99, from: stranger, text: 'Let me in' });
    // messages are handled in order: once Ada's next message has its run, the stranger's was handled
    telegram.pushMessage({ chatId: 42, from: ada, text: 'Still there?' });
    await stack.runOfTask('Still there?');
    assert.equal((await stack.listRuns()).filter((run) => run.spec.task === 'Let me in').length, 0);
    assert.equal(repliesTo(99, denyMessage).length, 1);
  });

  it('a reply the service refuses with 429 and then 500 arrives once it takes it, exactly once', async () => {
    assert.ok(telegram);
    const run = await stack.runOfTask('Still there?');
    telegram.failNext('sendMessage', { status: 429, retryAfterSeconds: 1 }, { status: 500 });
    await stack.completeRun(run, 'Yes');
    assert.equal(await countReplies(42, 'Yes'), 1);
    assert.equal(telegram.faultsServed('sendMessage'), 2);
    assert.equal(
      (await stack.replyDelivered(run)).message,
      'Delivered to telegram in 1 message (3 attempts).',
    );
  });

  it('a reply the service refuses for good is counted on /metrics, not retried, and shows on its run', async () => {
    assert.ok(telegram);
    telegram.pushMessage({ chatId: 42, from: ada, text: 'Are you there?' });
    const run = await stack.runOfTask('Are you there?');
    const refusedBefore = telegram.faultsServed('sendMessage');
    telegram.failNext('sendMessage', { status: 403 });
    await stack.completeRun(run, 'Blocked reply');
    const metrics = await eventually('the refused reply on /metrics', async () => {
      const text = await channel.metrics();
      return /k8sclaw_channel_replies_total\{outcome="refused"\} 1\b/.test(text) ? text : undefined;
    });
    assert.match(metrics, /k8sclaw_channel_replies_total\{outcome="delivered"\} 2\b/);
    assert.match(metrics, /k8sclaw_channel_replies_total\{outcome="retried"\} 2\b/);
    assert.match(metrics, /k8sclaw_channel_messages_total\{outcome="denied"\} 1\b/);
    await sleep(1000);
    assert.equal(telegram.faultsServed('sendMessage'), refusedBefore + 1);
    assert.equal(repliesTo(42, 'Blocked reply').length, 0);
    const refused = await stack.replyDelivered(run);
    assert.equal(refused.status, 'False');
    assert.equal(refused.reason, 'Refused');
    assert.match(refused.message, /^telegram refused the reply for good after 0 messages it took: .*403/);
    assert.doesNotMatch(refused.message, new RegExp(token));
    const warning = await eventually('the ReplyRefused Event', async () =>
      (await stack.eventsOf(run)).find((event) => event.reason === 'ReplyRefused'),
    );
    assert.equal(warning.type, 'Warning');
    assert.equal(warning.message, refused.message);
    const apiMetrics = await stack.apiServerMetrics();
    assert.match(
      apiMetrics,
      /k8sclaw_channel_reply_receipts_total\{channel="telegram",outcome="refused"\} 1\b/,
    );
    assert.match(
      apiMetrics,
      /k8sclaw_channel_reply_receipts_total\{channel="telegram",outcome="delivered"\} 2\b/,
    );
  });

  it('a reply the service keeps failing is given up on its last delivery from the bus, and shows on its run', async () => {
    assert.ok(telegram);
    telegram.pushMessage({ chatId: 42, from: ada, text: 'Is the line bad?' });
    const run = await stack.runOfTask('Is the line bad?');
    // five attempts on each of the two deliveries the channel makes, then one more that would succeed
    const before = telegram.faultsServed('sendMessage');
    telegram.failNext('sendMessage', ...Array.from({ length: 10 }, () => ({ status: 500 as const })));
    await stack.completeRun(run, 'Bad line');
    const undeliverable = await stack.replyDelivered(run);
    assert.equal(undeliverable.status, 'False');
    assert.equal(undeliverable.reason, 'Undeliverable');
    assert.match(
      undeliverable.message,
      /^Not delivered to telegram after 2 deliveries from the event bus \(0 messages taken\): .*500/,
    );
    assert.equal(telegram.faultsServed('sendMessage'), before + 10);
    assert.equal(repliesTo(42, 'Bad line').length, 0);
    const warning = await eventually('the ReplyUndeliverable Event', async () =>
      (await stack.eventsOf(run)).find((event) => event.reason === 'ReplyUndeliverable'),
    );
    assert.equal(warning.type, 'Warning');
  });

  it('a channel killed after the message reached the bus delivers the reply once after its restart', async () => {
    assert.ok(telegram);
    telegram.pushMessage({ chatId: 42, from: ada, text: 'Remember tea' });
    const run = await stack.runOfTask('Remember tea');
    await channel.process.crash();
    await stack.completeRun(run, 'Noted: tea');
    // the reply waits on the bus while no channel runs
    await sleep(1000);
    assert.equal(repliesTo(42, 'Noted: tea').length, 0);
    await channel.restart();
    assert.equal(await countReplies(42, 'Noted: tea'), 1);
    assert.equal((await stack.listRuns()).filter((item) => item.spec.task === 'Remember tea').length, 1);
  });

  it('a receipt for another run of the same name is dropped; one without a run name finds its run by uid', async () => {
    const run = await stack.runOfTask('For this one');
    const identity = { namespace: tenantNs, instance: instanceName, channel: 'telegram' as const };
    const bus = await stack.connectAsChannel('receipts');
    const receipt = (id: string, outcome: 'delivered' | 'refused', runName?: string) => ({
      id,
      ...(runName ? { run: runName } : {}),
      ...identity,
      outcome,
      ...(outcome === 'refused' ? { reason: 'Telegram refused a reply: 403 Forbidden' } : {}),
      parts: outcome === 'delivered' ? 1 : 0,
      attempts: 1,
      deliveries: 1,
      at: new Date().toISOString(),
    });
    try {
      // the name of a run deleted long ago, and this run's name with an earlier run's uid
      await bus.publishChannelReceipt(identity, receipt('uid-of-a-deleted-run', 'refused', 'claw-gone'));
      await bus.publishChannelReceipt(
        identity,
        receipt('uid-of-an-earlier-run', 'refused', run.metadata.name),
      );
      // one consumer handles receipts in order: once this one shows, the two before it were handled
      await bus.publishChannelReceipt(identity, receipt(run.metadata.uid ?? '', 'delivered'));
    } finally {
      await bus.close();
    }
    const condition = await stack.replyDelivered(run);
    assert.deepEqual(
      { status: condition.status, reason: condition.reason },
      { status: 'True', reason: 'Delivered' },
    );
    await eventually('the ReplyDelivered Event', async () =>
      (await stack.eventsOf(run)).some((event) => event.reason === 'ReplyDelivered') ? true : undefined,
    );
    assert.deepEqual(
      (await stack.eventsOf(run)).map((event) => event.reason),
      ['ReplyDelivered'],
    );
  });

  it('a run without a chat of its own posts into a chat the instance names, exactly once', async () => {
    const run = await createScheduledRun('claw-morning-report', 'Post the morning report');
    assert.equal(run.spec.sessionKey, undefined);
    const event = channelMessageEvent(run, 2, teamChat, 'Morning report, all backups green');
    // the bridge publishing it again (after a restart), and the same message handed to the API
    // server again under another event id (as a redelivery would hand it on): one message in the chat
    await stack.publishAsBridge(run, [event, event, { ...event, id: 'e2-again' }]);
    assert.equal(await countReplies(Number(teamChat), 'Morning report, all backups green'), 1);
    const [sent] = repliesTo(Number(teamChat), 'Morning report, all backups green');
    assert.equal(sent?.params.reply_parameters, undefined, 'a message of its own, not a reply');
  });

  it('a run’s message for a chat the instance does not name is not sent', async () => {
    assert.ok(telegram);
    const run = await createScheduledRun('claw-stray-report', 'Post somewhere else');
    await stack.publishAsBridge(run, [
      channelMessageEvent(run, 1, '77', 'Not for this chat'),
      // events are handled in order: once the next one arrived, the refused one was handled
      channelMessageEvent(run, 2, teamChat, 'Only for the team'),
    ]);
    assert.equal(await countReplies(Number(teamChat), 'Only for the team'), 1);
    assert.equal(
      telegram.sentMessages().filter((call) => call.params.text === 'Not for this chat').length,
      0,
    );
  });
});
