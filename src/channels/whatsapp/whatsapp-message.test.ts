import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildReceivedMessages } from './whatsapp-message.ts';

const phoneNumberId = '106540352242922';
const wamid = 'wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RgA=';

function payload(value: Record<string, unknown>, field = 'messages') {
  return {
    object: 'whatsapp_business_account',
    entry: [
      {
        id: '102290129340398',
        changes: [
          {
            field,
            value: {
              messaging_product: 'whatsapp',
              metadata: { display_phone_number: '15550783881', phone_number_id: phoneNumberId },
              ...value,
            },
          },
        ],
      },
    ],
  };
}

const text = (from: string, id: string, body: string) => ({
  from,
  id,
  timestamp: '1767225600',
  type: 'text',
  text: { body },
});

describe('Cloud API webhook payloads as received messages', () => {
  it('turns a text message into a direct, addressed message of the sender’s chat, keyed by its wamid', () => {
    const messages = buildReceivedMessages(
      payload({
        contacts: [{ profile: { name: 'Ada Lovelace' }, wa_id: '4915112345678' }],
        messages: [text('4915112345678', wamid, '  Hello there  ')],
      }),
      phoneNumberId,
    );
    assert.deepEqual(messages, [
      {
        id: wamid,
        chat: { chatId: '4915112345678' },
        messageId: wamid,
        sender: { id: '4915112345678', name: 'Ada Lovelace' },
        text: 'Hello there',
        sentAt: new Date('2026-01-01T00:00:00Z'),
        access: {
          senderId: '4915112345678',
          senderIsBot: false,
          fromSelf: false,
          chatId: '4915112345678',
          chatKind: 'direct',
          addressedToBot: true,
        },
      },
    ]);
  });

  it('keeps every message of a payload, in order, each with its own sender’s name', () => {
    const messages = buildReceivedMessages(
      {
        object: 'whatsapp_business_account',
        entry: [
          payload({
            contacts: [
              { profile: { name: 'Ada' }, wa_id: '111111111' },
              { profile: { name: 'Bob' }, wa_id: '222222222' },
            ],
            messages: [text('111111111', 'wamid.a', 'first'), text('222222222', 'wamid.b', 'second')],
          }).entry[0],
          payload({ messages: [text('111111111', 'wamid.c', 'third')] }).entry[0],
        ],
      },
      phoneNumberId,
    );
    assert.deepEqual(
      messages.map((m) => [m.id, m.sender.id, m.sender.name, m.text]),
      [
        ['wamid.a', '111111111', 'Ada', 'first'],
        ['wamid.b', '222222222', 'Bob', 'second'],
        ['wamid.c', '111111111', undefined, 'third'],
      ],
    );
  });

  it('yields nothing for status callbacks (sent, delivered, read, failed)', () => {
    for (const status of ['sent', 'delivered', 'read', 'failed']) {
      const statuses = [{ id: wamid, status, timestamp: '1767225600', recipient_id: '4915112345678' }];
      assert.deepEqual(buildReceivedMessages(payload({ statuses }), phoneNumberId), [], status);
    }
  });

  it('yields nothing for other kinds of messages, empty texts, or malformed ones', () => {
    const others = [
      {
        from: '111111111',
        id: 'wamid.i',
        timestamp: '1767225600',
        type: 'image',
        image: { id: '1', mime_type: 'image/jpeg' },
      },
      {
        from: '111111111',
        id: 'wamid.r',
        timestamp: '1767225600',
        type: 'reaction',
        reaction: { message_id: wamid, emoji: '👍' },
      },
      {
        from: '111111111',
        id: 'wamid.u',
        timestamp: '1767225600',
        type: 'unsupported',
        errors: [{ code: 131051 }],
      },
      text('111111111', 'wamid.e', '   '),
      { from: '111111111', id: 'wamid.t', type: 'text', text: { body: 'no timestamp' } },
      text('not a chat id!', 'wamid.x', 'bad sender'),
    ];
    assert.deepEqual(buildReceivedMessages(payload({ messages: others }), phoneNumberId), []);
    assert.deepEqual(buildReceivedMessages({ object: 'page', entry: [] }, phoneNumberId), []);
    assert.deepEqual(buildReceivedMessages('nonsense', phoneNumberId), []);
  });

  it('yields nothing for another phone number of the app, or another webhook field', () => {
    const messages = [text('111111111', 'wamid.o', 'for someone else')];
    const forOther = payload({ messages });
    (forOther.entry[0]?.changes[0]?.value.metadata as { phone_number_id: string }).phone_number_id = '999';
    assert.deepEqual(buildReceivedMessages(forOther, phoneNumberId), []);
    assert.deepEqual(buildReceivedMessages(payload({ messages }, 'account_update'), phoneNumberId), []);
  });

  it('replaces a wamid too long for the bus by its digest, and then does not quote it', () => {
    const long = `wamid.${'A'.repeat(200)}`;
    const [message] = buildReceivedMessages(
      payload({ messages: [text('111111111', long, 'hi')] }),
      phoneNumberId,
    );
    assert.match(message?.id ?? '', /^wamid-sha256\.[0-9a-f]{64}$/);
    assert.equal(message?.messageId, undefined);
  });
});
