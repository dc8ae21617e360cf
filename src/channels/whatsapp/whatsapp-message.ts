// A Cloud API webhook payload as the channel kit sees it (pure): every text message a person sent
// to this business number becomes a ReceivedMessage. The chat is the person's WhatsApp id (chats
// with a business number are one to one, so every message is addressed to the bot), the message id
// is the `wamid` Meta repeats when it posts a payload again (the bus drops the copy), and the
// sender's name is the profile name from `contacts`. Status callbacks (sent, delivered, read),
// other kinds of messages (images, reactions, …) and messages to another phone number of the same
// app are not for the bot and yield nothing.
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { ReceivedMessage } from '../kit/index.ts';

const messageSchema = z.object({
  // a session key token (see the bus's chat id): WhatsApp ids are digits
  from: z.string().regex(/^[A-Za-z0-9._/@+=-]{1,100}$/),
  id: z.string().min(1),
  timestamp: z.string().regex(/^\d+$/),
  type: z.string(),
  text: z.object({ body: z.string() }).optional(),
});

const valueSchema = z.object({
  messaging_product: z.literal('whatsapp').optional(),
  metadata: z.object({ phone_number_id: z.string() }),
  contacts: z
    .array(z.object({ wa_id: z.string().optional(), profile: z.object({ name: z.string() }).optional() }))
    .optional(),
  messages: z.array(z.unknown()).optional(),
});

const payloadSchema = z.object({
  object: z.literal('whatsapp_business_account'),
  entry: z.array(
    z.object({
      changes: z.array(z.object({ field: z.string(), value: z.unknown() })).default([]),
    }),
  ),
});

/** The longest id the bus takes; a longer wamid is replaced by its digest. */
const maxIdLength = 128;

function busId(wamid: string): string {
  if (wamid.length <= maxIdLength && !/\s/.test(wamid)) return wamid;
  return `wamid-sha256.${createHash('sha256').update(wamid).digest('hex')}`;
}

/** The text messages of a webhook payload for `phoneNumberId`, in the order Meta listed them. */
export function buildReceivedMessages(payload: unknown, phoneNumberId: string): ReceivedMessage[] {
  const parsed = payloadSchema.safeParse(payload);
  if (!parsed.success) return [];
  const received: ReceivedMessage[] = [];
  for (const change of parsed.data.entry.flatMap((entry) => entry.changes)) {
    if (change.field !== 'messages') continue;
    const value = valueSchema.safeParse(change.value);
    if (!value.success || value.data.metadata.phone_number_id !== phoneNumberId) continue;
    const contacts = value.data.contacts ?? [];
    for (const raw of value.data.messages ?? []) {
      const message = messageSchema.safeParse(raw);
      if (!message.success || message.data.type !== 'text' || !message.data.text) continue;
      const { from, id, timestamp } = message.data;
      const text = message.data.text.body.trim();
      if (text.length === 0) continue;
      const contact =
        contacts.find((candidate) => candidate.wa_id === from) ??
        (contacts.length === 1 && contacts[0]?.wa_id === undefined ? contacts[0] : undefined);
      const name = contact?.profile?.name;
      const quotable = id.length <= maxIdLength && !/\s/.test(id);
      received.push({
        id: busId(id),
        chat: { chatId: from },
        ...(quotable ? { messageId: id } : {}),
        sender: { id: from, ...(name ? { name: name.slice(0, 256) } : {}) },
        text: text.slice(0, 32 * 1024),
        sentAt: new Date(Number(timestamp) * 1000),
        access: {
          senderId: from,
          senderIsBot: false,
          fromSelf: false,
          chatId: from,
          chatKind: 'direct',
          addressedToBot: true,
        },
      });
    }
  }
  return received;
}
