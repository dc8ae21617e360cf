import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildReceivedMessage, type SlackMessageEvent } from './slack-message.ts';

const bot = { userId: 'U0BOT', botId: 'B0BOT' };
const ts = '1700000000.000100';

function message(fields: Partial<SlackMessageEvent>): SlackMessageEvent {
  return {
    type: 'message',
    channel: 'C0GEN',
    channel_type: 'channel',
    user: 'U0ADA',
    text: 'hi',
    ts,
    ...fields,
  };
}

describe('a Slack message event as the kit sees it', () => {
  it('is a direct message in an im, answered in the conversation', () => {
    const received = buildReceivedMessage(
      message({ channel: 'D0ADA', channel_type: 'im', text: 'Hello' }),
      bot,
    );
    assert.deepEqual(received, {
      id: `D0ADA.${ts}`,
      chat: { chatId: 'D0ADA' },
      messageId: ts,
      sender: { id: 'U0ADA' },
      text: 'Hello',
      sentAt: new Date(1_700_000_000_000.1),
      access: {
        senderId: 'U0ADA',
        senderIsBot: false,
        fromSelf: false,
        chatId: 'D0ADA',
        chatKind: 'direct',
        addressedToBot: false,
      },
    });
  });

  it('in a channel, is answered in a thread under it, and is addressed only when it mentions the bot', () => {
    const plain = buildReceivedMessage(message({ text: 'just chatting' }), bot);
    assert.equal(plain?.access.chatKind, 'group');
    assert.equal(plain?.access.addressedToBot, false);
    assert.deepEqual(plain?.chat, { chatId: 'C0GEN', threadId: ts });
    const mention = buildReceivedMessage(message({ text: '<@U0BOT> what  time is it? <@U0EVE>' }), bot);
    assert.equal(mention?.text, 'what time is it? <@U0EVE>');
    assert.equal(mention?.access.addressedToBot, true);
    const named = buildReceivedMessage(
      message({ type: 'app_mention', channel_type: undefined, text: 'hey <@U0BOT|claw>' }),
      bot,
    );
    assert.equal(named?.text, 'hey');
    assert.equal(named?.access.chatKind, 'group');
  });

  it('a group DM is a group', () => {
    assert.equal(
      buildReceivedMessage(message({ channel: 'G0MPIM', channel_type: 'mpim' }), bot)?.access.chatKind,
      'group',
    );
  });

  it("in a thread, belongs to the thread's session, addressed when the bot started or joined it", () => {
    const reply = { thread_ts: '1699999999.000001', parent_user_id: 'U0ADA', text: 'and tomorrow?' };
    const elsewhere = buildReceivedMessage(message(reply), bot);
    assert.deepEqual(elsewhere?.chat, { chatId: 'C0GEN', threadId: '1699999999.000001' });
    assert.equal(elsewhere?.access.addressedToBot, false);
    const joined = buildReceivedMessage(message(reply), bot, (key) => key === 'C0GEN:1699999999.000001');
    assert.equal(joined?.access.addressedToBot, true);
    const started = buildReceivedMessage(message({ ...reply, parent_user_id: 'U0BOT' }), bot);
    assert.equal(started?.access.addressedToBot, true);
    const inDm = buildReceivedMessage(message({ ...reply, channel: 'D0ADA', channel_type: 'im' }), bot);
    assert.deepEqual(inDm?.chat, { chatId: 'D0ADA', threadId: '1699999999.000001' });
  });

  it('marks bots and the bot itself, for access control to ignore', () => {
    const other = buildReceivedMessage(
      message({ user: undefined, bot_id: 'B0OTHER', subtype: 'bot_message' }),
      bot,
    );
    assert.equal(other?.access.senderIsBot, true);
    assert.equal(other?.access.senderId, 'B0OTHER');
    assert.equal(other?.access.fromSelf, false);
    const self = buildReceivedMessage(message({ user: 'U0BOT', bot_id: 'B0BOT' }), bot);
    assert.equal(self?.access.fromSelf, true);
  });

  it('decodes the three characters Slack escapes', () => {
    assert.equal(
      buildReceivedMessage(message({ text: 'a &lt; b &amp;&amp; c &gt; d' }), bot)?.text,
      'a < b && c > d',
    );
  });

  it('is nothing for edits, deletions, joins, empty text or a bare mention', () => {
    for (const subtype of ['message_changed', 'message_deleted', 'channel_join', 'channel_topic']) {
      assert.equal(buildReceivedMessage(message({ subtype }), bot), undefined, subtype);
    }
    assert.equal(buildReceivedMessage(message({ text: '' }), bot), undefined);
    assert.equal(buildReceivedMessage(message({ text: ' <@U0BOT> ' }), bot), undefined);
    assert.equal(buildReceivedMessage(message({ type: 'reaction_added' }), bot), undefined);
    assert.ok(buildReceivedMessage(message({ subtype: 'thread_broadcast', thread_ts: ts }), bot));
  });
});
