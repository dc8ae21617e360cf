// The Slack adapter on the real Bolt in Socket Mode against the Slack fake on loopback.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startSlackFake, type SlackFake } from '../../../test/fakes/slack/index.ts';
import { buildReplyParts, deliverReply, DeliveryError } from '../kit/index.ts';
import { RecordingHandler } from '../kit/testdata/recording-handler.ts';
import { until } from '../kit/testdata/until.ts';
import { SlackAdapter } from './slack-adapter.ts';

const botToken = 'xoxb-adapter-test';
const appToken = 'xapp-adapter-test';
const ada = 'U0ADA';

describe('SlackAdapter in Socket Mode', () => {
  let fake: SlackFake;
  let adapter: SlackAdapter;
  const handler = new RecordingHandler();
  const { received } = handler;

  before(async () => {
    fake = await startSlackFake({ botToken, appToken });
    adapter = new SlackAdapter({
      botToken,
      apiUrl: fake.apiUrl,
      socketMode: { appToken, reconnectDelayMs: 200 },
    });
    await adapter.start(handler.handle);
  });
  after(async () => {
    await adapter.stop();
    await fake.close();
  });

  it('asks auth.test who it is and opens the socket with the app token, on the given URL', () => {
    assert.deepEqual(
      fake.calls.map((call) => [call.method, call.ok]),
      [
        ['auth.test', true],
        ['auth.test', true],
        ['apps.connections.open', true],
      ],
    );
    assert.equal(fake.connections(), 1);
  });

  it('hands over a direct message, and acknowledges its envelope only after it was handled', async () => {
    const release = handler.hold();
    const { ts } = fake.pushMessage({ channel: 'D0ADA', user: ada, text: 'Hello &amp; welcome' });
    const message = await until('the message', () => received.find((m) => m.messageId === ts));
    assert.equal(message.text, 'Hello & welcome');
    assert.equal(message.id, `D0ADA.${ts}`);
    assert.deepEqual(message.chat, { chatId: 'D0ADA' });
    assert.equal(message.access.chatKind, 'direct');
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal(fake.pending().length, 1, 'not acknowledged while the handler runs');
    release();
    await until('the acknowledgement', () => (fake.pending().length === 0 ? true : undefined));
  });

  it('leaves an envelope it could not hand over unacknowledged, and takes it again on reconnect', async () => {
    handler.failuresLeft = 1;
    const { ts } = fake.pushMessage({ channel: 'D0ADA', user: ada, text: 'again please' });
    await until('the first handling', () => received.find((m) => m.messageId === ts));
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal(fake.pending().length, 1);
    fake.requestReconnect();
    await until('the second handling', () =>
      received.filter((m) => m.messageId === ts).length === 2 ? true : undefined,
    );
    await until('the acknowledgement', () => (fake.pending().length === 0 ? true : undefined));
    assert.equal(fake.connections(), 2);
  });

  it('hands over a mention once, though Slack sends message and app_mention, in a thread under it', async () => {
    const before = received.length;
    const { ts } = fake.pushMessage({
      channel: 'C0GENERAL',
      user: ada,
      text: `<@${fake.bot.userId}> what time is it?`,
      appMention: true,
    });
    const message = await until('the mention', () => received.find((m) => m.messageId === ts));
    assert.equal(message.text, 'what time is it?');
    assert.deepEqual(message.chat, { chatId: 'C0GENERAL', threadId: ts });
    assert.equal(message.access.addressedToBot, true);
    await until('both envelopes acknowledged', () => (fake.pending().length === 0 ? true : undefined));
    assert.equal(received.length, before + 1);
    // a follow-up in that thread needs no mention
    fake.pushMessage({
      channel: 'C0GENERAL',
      user: ada,
      text: 'and tomorrow?',
      threadTs: ts,
      parentUserId: ada,
    });
    const followUp = await until('the follow-up', () => received.find((m) => m.text === 'and tomorrow?'));
    assert.equal(followUp.access.addressedToBot, true);
    assert.deepEqual(followUp.chat, { chatId: 'C0GENERAL', threadId: ts });
  });

  it('takes its envelopes again after a dropped connection', async () => {
    const connections = fake.connections();
    fake.dropConnections();
    const { ts } = fake.pushMessage({ channel: 'D0ADA', user: ada, text: 'after the drop' });
    await until('the message on the new connection', () => received.find((m) => m.messageId === ts));
    await until('the acknowledgement', () => (fake.pending().length === 0 ? true : undefined));
    assert.equal(fake.connections(), connections + 1);
  });

  it('posts a long reply in parts of at most 4,000 characters, through the kit', async () => {
    const paragraph = 'word '.repeat(399).trim();
    const text = Array.from({ length: 5 }, () => paragraph).join('\n\n');
    const before = fake.sentMessages().length;
    const outcome = await deliverReply(
      { id: 'uid-6', chat: { chatId: 'D0ADA' }, status: 'succeeded', text },
      { channel: 'slack', send: (r, part) => adapter.sendReply(r, part) },
    );
    const parts = fake.sentMessages().slice(before);
    assert.equal(outcome.parts, parts.length);
    assert.ok(parts.length >= 3);
    for (const part of parts) assert.ok(String(part.params.text).length <= 4000);
  });

  it('posts replies as mrkdwn into the thread', async () => {
    const reply = {
      id: 'uid-1',
      chat: { chatId: 'C0GENERAL', threadId: '1700000000.000100' },
      status: 'succeeded' as const,
      text: 'It is **3 p.m.** & <sunny>',
    };
    const [part] = buildReplyParts('slack', reply.text);
    assert.ok(part);
    await adapter.sendReply(reply, part);
    const sent = fake.sentMessages().at(-1);
    assert.equal(sent?.params.channel, 'C0GENERAL');
    assert.equal(sent?.params.thread_ts, '1700000000.000100');
    assert.equal(sent?.params.text, 'It is *3 p.m.* &amp; &lt;sunny&gt;');
  });

  it("turns Slack's 429 (Retry-After), 500 and ratelimited into retryable errors, without retrying itself", async () => {
    const reply = { id: 'uid-2', chat: { chatId: 'D0ADA' }, status: 'succeeded' as const, text: 'hi' };
    const [part] = buildReplyParts('slack', reply.text);
    assert.ok(part);
    const callsBefore = fake.calls.length;
    fake.failNext(
      'chat.postMessage',
      { status: 429, retryAfterSeconds: 3 },
      { status: 500 },
      { error: 'ratelimited' },
    );
    await assert.rejects(adapter.sendReply(reply, part), (error: unknown) => {
      assert.ok(error instanceof DeliveryError);
      return error.retryable && error.retryAfterMs === 3000;
    });
    await assert.rejects(adapter.sendReply(reply, part), (error: unknown) => {
      assert.ok(error instanceof DeliveryError);
      return error.retryable && error.retryAfterMs === undefined;
    });
    await assert.rejects(adapter.sendReply(reply, part), (error: unknown) => {
      assert.ok(error instanceof DeliveryError);
      return error.retryable;
    });
    assert.equal(fake.calls.length, callsBefore + 3, 'one request per attempt');
    const sentBefore = fake.sentMessages().length;
    await adapter.sendReply(reply, part);
    assert.equal(fake.sentMessages().length, sentBefore + 1);
  });

  it('is delivered once through the kit after a 429 and a 500', async () => {
    fake.failNext('chat.postMessage', { status: 429, retryAfterSeconds: 1 }, { status: 500 });
    const waits: number[] = [];
    const outcome = await deliverReply(
      { id: 'uid-5', chat: { chatId: 'D0ADA' }, status: 'succeeded', text: 'once' },
      {
        channel: 'slack',
        send: (r, part) => adapter.sendReply(r, part),
        sleep: async (ms) => void waits.push(ms),
      },
    );
    assert.deepEqual(outcome, { parts: 1, attempts: 3 });
    assert.deepEqual(waits, [1000, 2000]);
    assert.equal(fake.sentMessages().filter((call) => call.params.text === 'once').length, 1);
  });

  it('refuses for good what Slack rejects', async () => {
    const reply = { id: 'uid-3', chat: { chatId: 'nowhere' }, status: 'succeeded' as const, text: 'hi' };
    const [part] = buildReplyParts('slack', reply.text);
    assert.ok(part);
    await assert.rejects(adapter.sendReply(reply, part), (error: unknown) => {
      assert.ok(error instanceof DeliveryError);
      return !error.retryable && /channel_not_found/.test(error.message);
    });
    fake.failNext('chat.postMessage', { error: 'not_in_channel' });
    await assert.rejects(adapter.sendNotice({ chatId: 'C0OTHER' }, 'denied'), (error: unknown) => {
      assert.ok(error instanceof DeliveryError);
      return !error.retryable;
    });
  });

  it('shows no typing indicator: Slack has none for bots', async () => {
    const before = fake.calls.length;
    await adapter.sendTyping();
    assert.equal(fake.calls.length, before);
  });
});

describe('SlackAdapter with a refused token', () => {
  it('does not start', async () => {
    const fake = await startSlackFake({ botToken: 'xoxb-right', appToken });
    const adapter = new SlackAdapter({
      botToken: 'xoxb-wrong',
      apiUrl: fake.apiUrl,
      socketMode: { appToken },
    });
    try {
      await assert.rejects(
        adapter.start(async () => undefined),
        /invalid_auth/,
      );
    } finally {
      await fake.close();
    }
  });
});
