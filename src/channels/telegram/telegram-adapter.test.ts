// The Telegram adapter on the real grammY against the Bot API fake on loopback.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTelegramFake, type TelegramFake } from '../../../test/fakes/telegram/index.ts';
import { buildReplyParts, DeliveryError } from '../kit/index.ts';
import { RecordingHandler } from '../kit/testdata/recording-handler.ts';
import { until } from '../kit/testdata/until.ts';
import { TelegramAdapter } from './telegram-adapter.ts';

const token = '123456:TEST-token';
const person = { id: 42, username: 'ada', firstName: 'Ada' };

describe('TelegramAdapter', () => {
  let fake: TelegramFake;
  let adapter: TelegramAdapter;
  const handler = new RecordingHandler();
  const { received } = handler;

  before(async () => {
    fake = await startTelegramFake({ token });
    adapter = new TelegramAdapter({ token, apiRoot: fake.apiRoot, pollTimeoutSeconds: 1 });
    await adapter.start(handler.handle);
  });
  after(async () => {
    await adapter.stop();
    await fake.close();
  });

  it('hands over a private message, and confirms it to Telegram only after it was handled', async () => {
    const release = handler.hold();
    const { updateId, messageId } = fake.pushMessage({ chatId: 42, from: person, text: 'Hello bot' });
    const message = await until('the message', () => received.find((m) => m.text === 'Hello bot'), 5_000);
    assert.deepEqual(message.chat, { chatId: '42' });
    assert.equal(message.id, `42.${messageId}`);
    assert.equal(message.messageId, String(messageId));
    assert.deepEqual(message.sender, { id: '42', name: 'Ada' });
    assert.deepEqual(message.access, {
      senderId: '42',
      senderUsername: 'ada',
      senderIsBot: false,
      fromSelf: false,
      chatId: '42',
      chatKind: 'direct',
      addressedToBot: false,
    });
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.ok(fake.confirmedOffset() <= updateId, 'not confirmed while the handler runs');
    release();
    await until('the confirmation', () => (fake.confirmedOffset() > updateId ? true : undefined), 5_000);
  });

  it('marks group messages that mention the bot or reply to it, and strips the mention', async () => {
    fake.pushMessage({ chatId: -100, from: person, text: 'just chatting' });
    fake.pushMessage({ chatId: -100, from: person, text: '@claw_test_bot what time is it?', threadId: 9 });
    fake.pushMessage({
      chatId: -100,
      from: person,
      text: 'and tomorrow?',
      replyTo: { messageId: 1, from: { id: 7_000_001, username: 'claw_test_bot', isBot: true } },
    });
    const reply = await until('the reply', () => received.find((m) => m.text === 'and tomorrow?'), 5_000);
    const plain = received.find((m) => m.text === 'just chatting');
    const mention = received.find((m) => m.text === 'what time is it?');
    assert.equal(plain?.access.addressedToBot, false);
    assert.equal(plain?.access.chatKind, 'group');
    assert.equal(mention?.access.addressedToBot, true);
    assert.deepEqual(mention?.chat, { chatId: '-100', threadId: '9' });
    assert.equal(reply.access.addressedToBot, true);
  });

  it('sends replies as MarkdownV2 Telegram accepts, in the thread, answering the message', async () => {
    const reply = {
      id: 'uid-1',
      chat: { chatId: '-100', threadId: '9' },
      replyToMessageId: '5',
      status: 'succeeded' as const,
      text: 'It is 3.15 p.m. (UTC) - **late**!',
    };
    const [part] = buildReplyParts('telegram', reply.text);
    assert.ok(part);
    await adapter.sendReply(reply, part, 0);
    const sent = fake.sentMessages().at(-1);
    assert.equal(sent?.params.parse_mode, 'MarkdownV2');
    assert.equal(sent?.params.text, 'It is 3\\.15 p\\.m\\. \\(UTC\\) \\- *late*\\!');
    assert.equal(sent?.params.message_thread_id, 9);
    assert.deepEqual(sent?.params.reply_parameters, { message_id: 5, allow_sending_without_reply: true });
  });

  it('sends the plain text when Telegram cannot parse the MarkdownV2', async () => {
    const reply = { id: 'uid-4', chat: { chatId: '42' }, status: 'succeeded' as const, text: 'v1.2' };
    await adapter.sendReply(reply, { text: 'v1.2 *open', plain: 'v1.2 open' }, 0);
    const sent = fake.sentMessages().at(-1);
    assert.equal(sent?.params.parse_mode, undefined);
    assert.equal(sent?.params.text, 'v1.2 open');
  });

  it("turns Telegram's 429 and 500 into retryable delivery errors, with retry_after", async () => {
    const reply = { id: 'uid-2', chat: { chatId: '42' }, status: 'succeeded' as const, text: 'hi' };
    const [part] = buildReplyParts('telegram', reply.text);
    assert.ok(part);
    fake.failNext('sendMessage', { status: 429, retryAfterSeconds: 3 }, { status: 500 });
    await assert.rejects(adapter.sendReply(reply, part, 0), (error: unknown) => {
      assert.ok(error instanceof DeliveryError);
      return error.retryable && error.retryAfterMs === 3000;
    });
    await assert.rejects(adapter.sendReply(reply, part, 0), (error: unknown) => {
      assert.ok(error instanceof DeliveryError);
      return error.retryable && error.retryAfterMs === undefined;
    });
    const before = fake.sentMessages().length;
    await adapter.sendReply(reply, part, 0);
    assert.equal(fake.sentMessages().length, before + 1);
  });

  it('refuses for good what Telegram rejects, and shows typing in the chat', async () => {
    const reply = { id: 'uid-3', chat: { chatId: 'not-a-chat' }, status: 'succeeded' as const, text: 'hi' };
    const [part] = buildReplyParts('telegram', reply.text);
    assert.ok(part);
    await assert.rejects(adapter.sendReply(reply, part, 0), (error: unknown) => {
      assert.ok(error instanceof DeliveryError);
      return !error.retryable;
    });
    await adapter.sendTyping({ chatId: '42', threadId: '3' });
    const typing = fake.calls.filter((call) => call.method === 'sendChatAction').at(-1);
    assert.deepEqual(typing?.params, { chat_id: '42', action: 'typing', message_thread_id: 3 });
  });
});
