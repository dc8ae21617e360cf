// The Discord adapter on the real discord.js against the Discord fake (REST and Gateway) on loopback.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startDiscordFake, type DiscordFake } from '../../../test/fakes/discord/index.ts';
import { buildReplyParts, DeliveryError, type ReceivedMessage } from '../kit/index.ts';
import { RecordingHandler } from '../kit/testdata/recording-handler.ts';
import { until } from '../kit/testdata/until.ts';
import { DiscordAdapter } from './discord-adapter.ts';

const token = 'MTAxNTQ.discord-test.token';
const ada = { id: '100000000000000042', username: 'ada', globalName: 'Ada' };

describe('DiscordAdapter', () => {
  let fake: DiscordFake;
  let adapter: DiscordAdapter;
  const handler = new RecordingHandler();
  const { received } = handler;
  const errors: unknown[] = [];

  before(async () => {
    fake = await startDiscordFake({ token });
    adapter = new DiscordAdapter({
      token,
      apiUrl: fake.apiUrl,
      onError: (error) => errors.push(error),
    });
    await adapter.start(handler.handle);
  });
  after(async () => {
    await adapter.stop();
    await fake.close();
  });

  it('identifies with the intents it needs and hands over a DM', async () => {
    const identify = fake.gatewayEvents().find((event) => event.kind === 'identify');
    // Guilds, GuildMessages, DirectMessages, MessageContent
    assert.equal(identify?.intents, (1 << 0) | (1 << 9) | (1 << 12) | (1 << 15));
    const { messageId } = fake.pushMessage({
      channelId: '800000000000000001',
      author: ada,
      content: 'Hello bot',
    });
    const message = await until('the DM', () => received.find((m) => m.text === 'Hello bot'));
    assert.deepEqual(message.chat, { chatId: '800000000000000001' });
    assert.equal(message.id, `800000000000000001.${messageId}`);
    assert.equal(message.messageId, messageId);
    assert.deepEqual(message.sender, { id: ada.id, name: 'Ada' });
    assert.deepEqual(message.access, {
      senderId: ada.id,
      senderUsername: 'ada',
      senderIsBot: false,
      fromSelf: false,
      chatId: '800000000000000001',
      chatKind: 'direct',
      addressedToBot: false,
    });
  });

  it('marks guild messages that mention the bot or reply to it, strips the mention, knows threads', async () => {
    const { guild, bot } = fake;
    fake.pushMessage({ channelId: guild.channelId, author: ada, content: 'just chatting' });
    fake.pushMessage({ channelId: guild.threadId, author: ada, content: `<@${bot.id}> what time is it?` });
    fake.pushMessage({
      channelId: guild.channelId,
      author: ada,
      content: 'and tomorrow?',
      replyTo: { messageId: '1', author: bot },
    });
    const reply = await until('the reply', () => received.find((m) => m.text === 'and tomorrow?'));
    const plain = received.find((m) => m.text === 'just chatting');
    const mention = received.find((m) => m.text === 'what time is it?');
    assert.equal(plain?.access.addressedToBot, false);
    assert.equal(plain?.access.chatKind, 'group');
    assert.equal(mention?.access.addressedToBot, true);
    assert.deepEqual(mention?.chat, { chatId: guild.channelId, threadId: guild.threadId });
    assert.equal(mention?.access.chatId, guild.channelId);
    assert.equal(reply.access.addressedToBot, true);
  });

  it('ignores its own messages, webhooks and system messages', async () => {
    const { guild } = fake;
    const before = received.length;
    fake.pushMessage({ channelId: guild.channelId, author: ada, content: 'from a hook', webhookId: '77' });
    fake.pushMessage({ channelId: guild.channelId, author: ada, content: 'joined', type: 7 });
    const reply = {
      id: 'uid-0',
      chat: { chatId: guild.channelId },
      status: 'succeeded' as const,
      text: 'echo',
    };
    await adapter.sendReply(reply, { text: 'echo', plain: 'echo' }, 0);
    fake.pushMessage({ channelId: guild.channelId, author: ada, content: 'marker' });
    await until('the marker', () => received.find((m) => m.text === 'marker'));
    assert.deepEqual(
      received.slice(before).map((m) => m.text),
      ['marker'],
    );
  });

  it('replies in the thread, answering the message, with every mention disabled', async () => {
    const { guild } = fake;
    const reply = {
      id: 'uid-1',
      chat: { chatId: guild.channelId, threadId: guild.threadId },
      replyToMessageId: '555',
      status: 'succeeded' as const,
      text: 'It is **3 pm**, @everyone',
    };
    const parts = buildReplyParts('discord', reply.text);
    for (const [index, part] of parts.entries()) await adapter.sendReply(reply, part, index);
    const sent = fake.sentMessages().at(-1);
    assert.equal(sent?.path, `/channels/${guild.threadId}/messages`);
    assert.deepEqual(sent?.body, {
      content: 'It is **3 pm**, @everyone',
      allowed_mentions: { parse: [] },
      message_reference: { message_id: '555', fail_if_not_exists: false },
    });
  });

  it("turns Discord's 429 and 500 into retryable delivery errors at once, with retry_after", async () => {
    const reply = {
      id: 'uid-2',
      chat: { chatId: '800000000000000001' },
      status: 'succeeded' as const,
      text: 'hi',
    };
    const [part] = buildReplyParts('discord', reply.text);
    assert.ok(part);
    fake.failNext('createMessage', { status: 429, retryAfterSeconds: 2 }, { status: 500 });
    await assert.rejects(adapter.sendReply(reply, part, 0), (error: unknown) => {
      assert.ok(error instanceof DeliveryError);
      assert.ok(error.retryable);
      assert.ok(error.retryAfterMs !== undefined && error.retryAfterMs >= 2000, `${error.retryAfterMs}`);
      return true;
    });
    assert.equal(fake.faultsServed('createMessage'), 1);
    // wait out the rate limit Discord asked for, as the kit does
    await new Promise((resolve) => setTimeout(resolve, 2100));
    await assert.rejects(adapter.sendReply(reply, part, 0), (error: unknown) => {
      assert.ok(error instanceof DeliveryError);
      return error.retryable && error.retryAfterMs === undefined;
    });
    assert.equal(fake.faultsServed('createMessage'), 2, 'the 500 was not retried behind the kit');
    const before = fake.sentMessages().length;
    await adapter.sendReply(reply, part, 0);
    assert.equal(fake.sentMessages().length, before + 1);
  });

  it('refuses for good what Discord rejects, and shows typing in the thread', async () => {
    const reply = {
      id: 'uid-3',
      chat: { chatId: '800000000000000001' },
      status: 'succeeded' as const,
      text: 'hi',
    };
    const [part] = buildReplyParts('discord', reply.text);
    assert.ok(part);
    fake.failNext('createMessage', { status: 403 }, { status: 404 });
    for (const expected of [403, 404]) {
      await assert.rejects(adapter.sendReply(reply, part, 0), (error: unknown) => {
        assert.ok(error instanceof DeliveryError);
        assert.match(error.message, new RegExp(`${expected}`));
        return !error.retryable;
      });
    }
    await adapter.sendTyping({ chatId: fake.guild.channelId, threadId: fake.guild.threadId });
    const typing = fake.calls.filter((call) => call.method === 'triggerTypingIndicator').at(-1);
    assert.equal(typing?.path, `/channels/${fake.guild.threadId}/typing`);
    assert.equal(typing?.status, 204);
  });
});

describe('DiscordAdapter lifecycle', () => {
  it('hands over in order, resumes a dropped connection, and stops only once the messages being handled are done', async () => {
    const fake = await startDiscordFake({ token });
    const adapter = new DiscordAdapter({ token, apiUrl: fake.apiUrl });
    const handled: string[] = [];
    let release: () => void = () => undefined;
    const holding = new Promise<void>((resolve) => (release = resolve));
    try {
      const { stopped } = await adapter.start(async (message) => {
        if (message.text === 'slow') await holding;
        handled.push(message.text);
      });
      fake.pushMessage({ channelId: '800000000000000001', author: ada, content: 'slow' });
      fake.pushMessage({ channelId: '800000000000000001', author: ada, content: 'fast' });
      await new Promise((resolve) => setTimeout(resolve, 200));
      assert.deepEqual(handled, [], 'the second waits for the first');

      fake.dropConnections();
      await until('the resumed session', () =>
        fake.gatewayEvents().some((event) => event.kind === 'resume') && fake.readySessions() === 1
          ? true
          : undefined,
      );
      fake.pushMessage({ channelId: '800000000000000001', author: ada, content: 'after the drop' });
      await new Promise((resolve) => setTimeout(resolve, 100));

      let stopDone = false;
      const stopping = adapter.stop().then(() => (stopDone = true));
      await new Promise((resolve) => setTimeout(resolve, 200));
      assert.equal(stopDone, false, 'stop waits for the message being handled');
      release();
      await stopping;
      await stopped;
      assert.deepEqual(handled, ['slow', 'fast', 'after the drop']);
      assert.equal(fake.gatewayEvents().filter((event) => event.kind === 'identify').length, 1);
    } finally {
      release();
      await adapter.stop();
      await fake.close();
    }
  });

  it('stops receiving, with an error, when the Gateway closes the connection for good', async () => {
    const fake = await startDiscordFake({ token });
    const adapter = new DiscordAdapter({ token, apiUrl: fake.apiUrl });
    try {
      const { stopped } = await adapter.start(async () => undefined);
      // 4004: the token was reset while connected
      fake.dropConnections(4004);
      await assert.rejects(stopped, /4004/);
    } finally {
      await adapter.stop();
      await fake.close();
    }
  });

  it('asks Discord for the parent of a thread it was not told about', async () => {
    const fake = await startDiscordFake({ token, announceThread: false });
    const adapter = new DiscordAdapter({ token, apiUrl: fake.apiUrl });
    const received: ReceivedMessage[] = [];
    try {
      await adapter.start(async (message) => {
        received.push(message);
      });
      fake.pushMessage({ channelId: fake.guild.threadId, author: ada, content: `<@${fake.bot.id}> hi` });
      const message = await until('the thread message', () => received[0]);
      assert.deepEqual(message.chat, { chatId: fake.guild.channelId, threadId: fake.guild.threadId });
      assert.ok(
        fake.calls.some(
          (call) => call.method === 'getChannel' && call.path === `/channels/${fake.guild.threadId}`,
        ),
      );
    } finally {
      await adapter.stop();
      await fake.close();
    }
  });

  it('a connection Discord drops without an answer is a retryable delivery error', async () => {
    const fake = await startDiscordFake({ token });
    const adapter = new DiscordAdapter({ token, apiUrl: fake.apiUrl });
    try {
      await adapter.start(async () => undefined);
      fake.failNext('createMessage', { status: 'drop' });
      const reply = {
        id: 'uid-9',
        chat: { chatId: '800000000000000001' },
        status: 'succeeded' as const,
        text: 'hi',
      };
      await assert.rejects(adapter.sendReply(reply, { text: 'hi', plain: 'hi' }, 0), (error: unknown) => {
        assert.ok(error instanceof DeliveryError, String(error));
        return error.retryable;
      });
      assert.equal(fake.faultsServed('createMessage'), 1, 'not retried behind the kit');
    } finally {
      await adapter.stop();
      await fake.close();
    }
  });

  it('refuses to start with a token Discord refuses', async () => {
    const fake = await startDiscordFake({ token });
    const adapter = new DiscordAdapter({ token: 'not-the-token', apiUrl: fake.apiUrl });
    try {
      await assert.rejects(
        adapter.start(async () => undefined),
        /token/i,
      );
    } finally {
      await adapter.stop();
      await fake.close();
    }
  });
});
