// A Discord message as the channel kit sees it (pure): the chat it belongs to, and what access
// control needs (bot or person, DM or guild channel, whether it mentions or replies to this bot).
// In Discord a thread is a channel of its own inside a parent channel: a thread's messages belong to
// the chat of the parent channel (`chatId`, which `allowedChats` names) and to the thread
// (`threadId`, where the reply goes), so the session key is `discord:<channel>:<thread>` in a thread
// and `discord:<channel>` elsewhere, DMs included. Only people's default messages and replies count:
// webhooks and system messages (joins, pins, boosts) are not chat.
import type { ReceivedMessage } from '../kit/index.ts';

/** What the adapter reads off a discord.js Message. */
export interface DiscordMessageFacts {
  id: string;
  /** The channel the message was posted in: a thread's own id inside a thread. */
  channelId: string;
  /** The channel a thread belongs to; absent outside threads. */
  parentChannelId?: string;
  /** Posted in a guild (server) channel, not a DM. */
  inGuild: boolean;
  /** Discord's message type: 0 default, 19 reply, the others are system messages. */
  type: number;
  webhookId?: string | null;
  author: { id: string; username: string; globalName?: string | null; bot: boolean; system?: boolean };
  content: string;
  /** The users the message mentions (Discord's `mentions`). */
  mentionedUserIds: readonly string[];
  /** The author of the message this one replies to. */
  repliedToUserId?: string | undefined;
  createdAt: Date;
}

export interface DiscordBotIdentity {
  id: string;
}

const messageTypes = { default: 0, reply: 19 } as const;

function mentionPattern(bot: DiscordBotIdentity): RegExp {
  return new RegExp(`<@!?${bot.id.replace(/\D/g, '')}>`, 'g');
}

/** The text without the bot's own `<@id>` / `<@!id>`: in channels people address the bot that way. */
function stripMention(text: string, bot: DiscordBotIdentity): string {
  return text
    .replace(mentionPattern(bot), '')
    .replace(/[ \t]+/g, ' ')
    .trim();
}

/** The message as the kit's ReceivedMessage, or undefined when it is not a person's chat message. */
export function buildReceivedMessage(
  message: DiscordMessageFacts,
  bot: DiscordBotIdentity,
): ReceivedMessage | undefined {
  if (message.webhookId) return undefined;
  if (message.author.system) return undefined;
  if (message.type !== messageTypes.default && message.type !== messageTypes.reply) return undefined;
  const text = stripMention(message.content, bot);
  if (text.length === 0) return undefined;
  const chatId = message.parentChannelId ?? message.channelId;
  const threadId = message.parentChannelId !== undefined ? message.channelId : undefined;
  const name = (message.author.globalName || message.author.username).slice(0, 256);
  return {
    // snowflakes are unique across Discord; the channel keeps ids readable in logs
    id: `${message.channelId}.${message.id}`,
    chat: { chatId, ...(threadId !== undefined ? { threadId } : {}) },
    messageId: message.id,
    sender: { id: message.author.id, ...(name ? { name } : {}) },
    text: text.slice(0, 32 * 1024),
    sentAt: message.createdAt,
    access: {
      senderId: message.author.id,
      senderUsername: message.author.username,
      senderIsBot: message.author.bot,
      fromSelf: message.author.id === bot.id,
      chatId,
      chatKind: message.inGuild ? 'group' : 'direct',
      addressedToBot:
        message.mentionedUserIds.includes(bot.id) ||
        mentionPattern(bot).test(message.content) ||
        message.repliedToUserId === bot.id,
    },
  };
}
