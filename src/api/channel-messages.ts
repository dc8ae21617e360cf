// The messages a channel pod and the API server exchange over the bus: a chat message a person
// sent (normalised the same way for every chat service) and the reply to deliver into that chat.
// One definition for both sides, validated when published and again when consumed.
import { Type, type Static } from '@sinclair/typebox';
import { channelTypes } from './claw-instance.ts';
import { stringEnum } from './schema-kit.ts';

/** Limits every hop enforces: a chat message becomes a run's task, a reply a run's response. */
export const channelMessageLimits = {
  text: 32 * 1024,
  id: 128,
  reply: 64 * 1024,
} as const;

const idString = () =>
  Type.String({ minLength: 1, maxLength: channelMessageLimits.id, pattern: '^[^\\s]+$' });

/** A chat or thread id: one session key token (no `:`, which separates them). */
const chatToken = () => Type.String({ minLength: 1, maxLength: 100, pattern: '^[A-Za-z0-9._/@+=-]+$' });

/** Where a conversation happens: a chat, and within it optionally a thread (topic). */
export const channelChatSchema = Type.Object({
  chatId: chatToken(),
  threadId: Type.Optional(chatToken()),
});
export type ChannelChat = Static<typeof channelChatSchema>;

export const channelInboundMessageSchema = Type.Object({
  /** The service's id of the message, unique within the channel (Telegram: the update id). */
  id: idString(),
  channel: stringEnum(channelTypes),
  namespace: Type.String({ minLength: 1, maxLength: 63 }),
  instance: Type.String({ minLength: 1, maxLength: 253 }),
  /** The ClawInstance's uid: a message for an earlier instance of the same name is not for this one. */
  instanceUid: idString(),
  chat: channelChatSchema,
  /** The message the reply answers, so the service shows it as a reply. */
  messageId: Type.Optional(idString()),
  sender: Type.Object({
    id: idString(),
    name: Type.Optional(Type.String({ maxLength: 256 })),
  }),
  text: Type.String({ minLength: 1, maxLength: channelMessageLimits.text }),
  /** When the service says the message was sent (RFC 3339). */
  sentAt: Type.String({ format: 'date-time' }),
});
export type ChannelInboundMessage = Static<typeof channelInboundMessageSchema>;

export const channelReplySchema = Type.Object({
  /** Unique per reply: the uid of the run that produced it. */
  id: idString(),
  chat: channelChatSchema,
  replyToMessageId: Type.Optional(idString()),
  status: stringEnum(['succeeded', 'failed'] as const),
  /** Plain text (Markdown as the model wrote it); the channel formats and splits it for its service. */
  text: Type.String({ minLength: 1, maxLength: channelMessageLimits.reply }),
});
export type ChannelReply = Static<typeof channelReplySchema>;

/** The session a chat's runs continue: `<type>:<chat id>[:<thread id>]`. */
export function buildChannelSessionKey(channel: string, chat: ChannelChat): string {
  return [channel, chat.chatId, ...(chat.threadId !== undefined ? [chat.threadId] : [])].join(':');
}
