// The messages a channel pod and the API server exchange over the bus: a chat message a person
// sent (normalised the same way for every chat service), the reply to deliver into that chat, and
// the receipt saying what became of that reply. One definition for both sides, validated when
// published and again when consumed.
import { Type, type Static } from '@sinclair/typebox';
import { channelTypes } from './claw-instance.ts';
import { stringEnum } from './schema-kit.ts';

/** Limits every hop enforces: a chat message becomes a run's task, a reply a run's response. */
export const channelMessageLimits = {
  text: 32 * 1024,
  id: 128,
  reply: 64 * 1024,
  /** A receipt's reason: one short line, never a token or a stack. */
  reason: 256,
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
  /** The name of that run, so the receipt of the reply can name it (absent in older replies). */
  run: Type.Optional(Type.String({ minLength: 1, maxLength: 253 })),
  chat: channelChatSchema,
  replyToMessageId: Type.Optional(idString()),
  status: stringEnum(['succeeded', 'failed'] as const),
  /** Plain text (Markdown as the model wrote it); the channel formats and splits it for its service. */
  text: Type.String({ minLength: 1, maxLength: channelMessageLimits.reply }),
});
export type ChannelReply = Static<typeof channelReplySchema>;

/**
 * How a reply's delivery ended: the service took every part; the service refused it for good (the
 * bot was blocked, the chat is gone); or the channel gave up after its last delivery from the bus.
 */
export const replyOutcomes = ['delivered', 'refused', 'undeliverable'] as const;
export type ReplyOutcome = (typeof replyOutcomes)[number];

/** What became of one reply, published by the channel pod once its delivery ended either way. */
export const channelReplyReceiptSchema = Type.Object({
  /** The reply's id: the uid of the run that produced it. */
  id: idString(),
  /** The run's name, when the reply named it. */
  run: Type.Optional(Type.String({ minLength: 1, maxLength: 253 })),
  channel: stringEnum(channelTypes),
  namespace: Type.String({ minLength: 1, maxLength: 63 }),
  instance: Type.String({ minLength: 1, maxLength: 253 }),
  outcome: stringEnum(replyOutcomes),
  /** Why it was not delivered, in the service's words with secrets blotted out. */
  reason: Type.Optional(Type.String({ maxLength: channelMessageLimits.reason })),
  /** Messages the service took (a long reply is split into several). */
  parts: Type.Integer({ minimum: 0, maximum: 1000 }),
  /** Sends tried during the last delivery from the bus. */
  attempts: Type.Integer({ minimum: 0, maximum: 10_000 }),
  /** How often the bus handed the reply to the channel. */
  deliveries: Type.Integer({ minimum: 1 }),
  /** When the delivery ended (RFC 3339). */
  at: Type.String({ format: 'date-time' }),
});
export type ChannelReplyReceipt = Static<typeof channelReplyReceiptSchema>;

/** The session a chat's runs continue: `<type>:<chat id>[:<thread id>]`. */
export function buildChannelSessionKey(channel: string, chat: ChannelChat): string {
  return [channel, chat.chatId, ...(chat.threadId !== undefined ? [chat.threadId] : [])].join(':');
}
