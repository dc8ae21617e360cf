// A Slack message event as the channel kit sees it (pure): the conversation and thread it belongs
// to, the text without the bot's own mention, and what access control needs (bot or person, direct
// message or channel, whether it is addressed to this bot). Only new messages from people and bots
// become chat messages; edits, deletions, joins and the like are not messages to answer.
//
// Threads: Slack conversations in channels happen in threads, so a top-level message in a channel
// (or a group DM) is answered in a thread under it, and that thread is the session
// (`slack:<channel>:<ts of the top-level message>`); a message inside a thread continues the
// thread's session (`slack:<channel>:<thread_ts>`). In a direct message the bot answers in the
// conversation itself (`slack:<channel>`), or in the thread when the person wrote in one.
import type { ReceivedMessage } from '../kit/index.ts';

/** The fields of Slack's `message` and `app_mention` events this channel reads. */
export interface SlackMessageEvent {
  type: string;
  subtype?: string;
  channel?: string;
  /** `im`, `mpim`, `channel`, `group` (private channel) or `app_home`; absent on `app_mention`. */
  channel_type?: string;
  user?: string;
  bot_id?: string;
  text?: string;
  ts?: string;
  thread_ts?: string;
  /** Who posted the thread's first message (on replies in a thread). */
  parent_user_id?: string;
}

export interface SlackBotIdentity {
  /** The bot user's member id (`auth.test` user_id), the one mentions name: `<@U…>`. */
  userId: string;
  /** The bot's id (`auth.test` bot_id), which its own messages carry as `bot_id`. */
  botId?: string;
}

/** Subtypes that are still a new message with text someone wrote. */
const messageSubtypes = new Set([undefined, 'thread_broadcast', 'file_share', 'bot_message']);

/** `<@U123>` and `<@U123|name>`: how Slack encodes a mention of a member in the text. */
function mentionPattern(userId: string): RegExp {
  return new RegExp(`<@${userId.replace(/[^A-Za-z0-9]/g, '')}(?:\\|[^>]*)?>`, 'g');
}

/** Slack escapes only these three in message text (they start links and mentions). */
function decodeEntities(text: string): string {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

/** The thread a message belongs to, as `<channel>:<thread_ts>`, for remembering the bot's threads. */
export function slackThreadKey(channel: string, threadTs: string): string {
  return `${channel}:${threadTs}`;
}

/**
 * The event as the kit's ReceivedMessage, or undefined when it is no new message with text.
 * `botInThread` says whether the bot took part in the thread `<channel>:<thread_ts>` (it was
 * mentioned there or posted there), which addresses every later message in it to the bot.
 */
export function buildReceivedMessage(
  event: SlackMessageEvent,
  bot: SlackBotIdentity,
  botInThread: (threadKey: string) => boolean = () => false,
): ReceivedMessage | undefined {
  if (event.type !== 'message' && event.type !== 'app_mention') return undefined;
  if (!messageSubtypes.has(event.subtype)) return undefined;
  const { channel, ts } = event;
  const senderId = event.user ?? event.bot_id;
  if (!channel || !ts || !senderId || event.text === undefined) return undefined;
  const mentioned = event.text.match(mentionPattern(bot.userId)) !== null;
  const text = decodeEntities(event.text.replace(mentionPattern(bot.userId), ''))
    .replace(/[ \t]+/g, ' ')
    .trim();
  if (text.length === 0) return undefined;
  // app_mention comes only from conversations with several members
  const direct = event.channel_type === 'im';
  const threadTs = event.thread_ts ?? (direct ? undefined : ts);
  const inBotThread =
    event.thread_ts !== undefined &&
    (event.parent_user_id === bot.userId || botInThread(slackThreadKey(channel, event.thread_ts)));
  const senderIsBot = event.bot_id !== undefined || event.subtype === 'bot_message';
  return {
    // a message's ts is unique within its conversation, and Slack's retries repeat it
    id: `${channel}.${ts}`,
    chat: { chatId: channel, ...(threadTs !== undefined ? { threadId: threadTs } : {}) },
    messageId: ts,
    sender: { id: senderId },
    text: text.slice(0, 32 * 1024),
    sentAt: new Date(Number(ts) * 1000),
    access: {
      senderId,
      senderIsBot,
      fromSelf: event.user === bot.userId || (bot.botId !== undefined && event.bot_id === bot.botId),
      chatId: channel,
      chatKind: direct ? 'direct' : 'group',
      addressedToBot: mentioned || inBotThread,
    },
  };
}
