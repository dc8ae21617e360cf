import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildReceivedMessage, type DiscordMessageFacts } from './discord-message.ts';

const bot = { id: '900' };
const ada = { id: '42', username: 'ada', globalName: 'Ada', bot: false };

function facts(overrides: Partial<DiscordMessageFacts> = {}): DiscordMessageFacts {
  return {
    id: '5001',
    channelId: '700',
    inGuild: true,
    type: 0,
    webhookId: null,
    author: ada,
    content: 'hello',
    mentionedUserIds: [],
    createdAt: new Date('2026-01-02T03:04:05Z'),
    ...overrides,
  };
}

describe('buildReceivedMessage (Discord)', () => {
  it('a DM is a direct chat of its channel, from its author', () => {
    const message = buildReceivedMessage(facts({ inGuild: false, channelId: '800' }), bot);
    assert.deepEqual(message, {
      id: '800.5001',
      chat: { chatId: '800' },
      messageId: '5001',
      sender: { id: '42', name: 'Ada' },
      text: 'hello',
      sentAt: new Date('2026-01-02T03:04:05Z'),
      access: {
        senderId: '42',
        senderUsername: 'ada',
        senderIsBot: false,
        fromSelf: false,
        chatId: '800',
        chatKind: 'direct',
        addressedToBot: false,
      },
    });
  });

  it('a guild message is a group message, addressed only when it mentions or replies to the bot', () => {
    assert.equal(buildReceivedMessage(facts(), bot)?.access.chatKind, 'group');
    assert.equal(buildReceivedMessage(facts(), bot)?.access.addressedToBot, false);
    const mentioned = buildReceivedMessage(
      facts({ content: '<@900> what time is it?', mentionedUserIds: ['900'] }),
      bot,
    );
    assert.equal(mentioned?.access.addressedToBot, true);
    assert.equal(mentioned?.text, 'what time is it?');
    // the nickname form, even when Discord left it out of `mentions`
    const nickname = buildReceivedMessage(facts({ content: 'hey <@!900>, and <@77>?' }), bot);
    assert.equal(nickname?.access.addressedToBot, true);
    assert.equal(nickname?.text, 'hey , and <@77>?');
    const reply = buildReceivedMessage(facts({ type: 19, repliedToUserId: '900' }), bot);
    assert.equal(reply?.access.addressedToBot, true);
    const otherMention = buildReceivedMessage(facts({ content: '<@77> hi', mentionedUserIds: ['77'] }), bot);
    assert.equal(otherMention?.access.addressedToBot, false);
    const replyToSomeoneElse = buildReceivedMessage(facts({ type: 19, repliedToUserId: '77' }), bot);
    assert.equal(replyToSomeoneElse?.access.addressedToBot, false);
  });

  it('a thread belongs to its parent channel’s chat, the thread where the reply goes', () => {
    const message = buildReceivedMessage(facts({ channelId: '710', parentChannelId: '700' }), bot);
    assert.deepEqual(message?.chat, { chatId: '700', threadId: '710' });
    assert.equal(message?.access.chatId, '700');
    assert.equal(message?.id, '710.5001');
  });

  it('marks other bots and the bot itself for access control to ignore', () => {
    const other = buildReceivedMessage(facts({ author: { id: '55', username: 'otherbot', bot: true } }), bot);
    assert.equal(other?.access.senderIsBot, true);
    assert.equal(other?.access.fromSelf, false);
    const self = buildReceivedMessage(facts({ author: { id: '900', username: 'claw', bot: true } }), bot);
    assert.equal(self?.access.fromSelf, true);
  });

  it('webhooks, system messages and empty text are no chat messages', () => {
    assert.equal(buildReceivedMessage(facts({ webhookId: '123' }), bot), undefined);
    assert.equal(buildReceivedMessage(facts({ type: 7 }), bot), undefined);
    assert.equal(buildReceivedMessage(facts({ author: { ...ada, system: true } }), bot), undefined);
    assert.equal(buildReceivedMessage(facts({ content: '' }), bot), undefined);
    assert.equal(buildReceivedMessage(facts({ content: '<@900>' }), bot), undefined);
  });

  it('names the sender by the display name, else the username', () => {
    const message = buildReceivedMessage(
      facts({ author: { id: '42', username: 'ada', globalName: null, bot: false } }),
      bot,
    );
    assert.deepEqual(message?.sender, { id: '42', name: 'ada' });
  });
});
