// A Telegram message as the channel kit sees it (pure): ids as strings, the chat and forum topic it
// belongs to, and what access control needs (bot or person, group or private chat, whether it
// mentions or replies to this bot). Only text messages from people become chat messages.
import type { Message } from 'grammy/types';
import type { ReceivedMessage } from '../kit/index.ts';

export interface TelegramBotIdentity {
  id: number;
  username: string;
}

function mentionsBot(message: Message, bot: TelegramBotIdentity): boolean {
  const text = message.text ?? '';
  return (message.entities ?? []).some((entity) => {
    if (entity.type === 'text_mention') return entity.user.id === bot.id;
    if (entity.type !== 'mention') return false;
    const mention = text.slice(entity.offset, entity.offset + entity.length);
    return mention.toLowerCase() === `@${bot.username.toLowerCase()}`;
  });
}

/** The text without the bot's own @name: in groups people address the bot that way. */
function stripMention(text: string, bot: TelegramBotIdentity): string {
  const pattern = new RegExp(`@${bot.username.replace(/[^A-Za-z0-9_]/g, '')}\\b`, 'gi');
  return text.replace(pattern, '').replace(/\s+/g, ' ').trim();
}

function displayName(message: Message): string | undefined {
  const from = message.from;
  if (!from) return undefined;
  const name = [from.first_name, from.last_name].filter(Boolean).join(' ');
  return (name || from.username)?.slice(0, 256);
}

/** The message as the kit's ReceivedMessage, or undefined when it is not a person's text. */
export function buildReceivedMessage(
  message: Message,
  bot: TelegramBotIdentity,
): ReceivedMessage | undefined {
  const from = message.from;
  if (!from || message.text === undefined) return undefined;
  const text = stripMention(message.text, bot);
  if (text.length === 0) return undefined;
  const chatId = String(message.chat.id);
  const threadId =
    message.is_topic_message && message.message_thread_id !== undefined
      ? String(message.message_thread_id)
      : undefined;
  return {
    // message ids are unique within a chat for ever (update ids restart after a quiet week)
    id: `${chatId}.${message.message_id}`,
    chat: { chatId, ...(threadId !== undefined ? { threadId } : {}) },
    messageId: String(message.message_id),
    sender: { id: String(from.id), ...(displayName(message) ? { name: displayName(message) } : {}) },
    text: text.slice(0, 32 * 1024),
    sentAt: new Date(message.date * 1000),
    access: {
      senderId: String(from.id),
      ...(from.username ? { senderUsername: from.username } : {}),
      senderIsBot: from.is_bot,
      fromSelf: from.id === bot.id,
      chatId,
      chatKind: message.chat.type === 'private' ? 'direct' : 'group',
      addressedToBot: mentionsBot(message, bot) || message.reply_to_message?.from?.id === bot.id,
    },
  };
}
