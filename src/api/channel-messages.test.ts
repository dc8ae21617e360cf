// The reply receipt schema: what a channel pod may say about a reply, checked on both sides.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { channelReplyReceiptSchema, channelReplySchema } from './channel-messages.ts';
import { compileMessageValidator } from './validation.ts';

const validateReceipt = compileMessageValidator(channelReplyReceiptSchema);
const validateReply = compileMessageValidator(channelReplySchema);

const receipt = {
  id: '0f6c2a4e-1111-4222-8333-444455556666',
  run: 'claw-telegram-0a1b2c3d4e',
  channel: 'telegram',
  namespace: 'team-a',
  instance: 'claw',
  outcome: 'refused',
  reason: 'Telegram refused a reply: 403 Forbidden: bot was blocked by the user',
  parts: 0,
  attempts: 1,
  deliveries: 1,
  at: '2026-11-30T15:00:00.000Z',
};

describe('reply receipts', () => {
  it('take each outcome, with or without the run name and a reason', () => {
    for (const outcome of ['delivered', 'refused', 'undeliverable']) {
      assert.equal(validateReceipt({ ...receipt, outcome }).ok, true, outcome);
    }
    const { run: _run, reason: _reason, ...bare } = receipt;
    assert.equal(validateReceipt({ ...bare, outcome: 'delivered' }).ok, true);
  });

  it('refuse an unknown outcome or channel, a long reason, a missing count and no deliveries', () => {
    const refused = (value: unknown) => !validateReceipt(value).ok;
    assert.ok(refused({ ...receipt, outcome: 'lost' }));
    assert.ok(refused({ ...receipt, channel: 'irc' }));
    assert.ok(refused({ ...receipt, reason: 'x'.repeat(257) }));
    assert.ok(refused({ ...receipt, deliveries: 0 }));
    assert.ok(refused({ ...receipt, at: 'yesterday' }));
    const { parts: _parts, ...withoutParts } = receipt;
    assert.ok(refused(withoutParts));
  });

  it('leave the run name of a reply optional, so replies published before it still validate', () => {
    const reply = { id: receipt.id, chat: { chatId: '42' }, status: 'succeeded', text: 'Hi' };
    assert.equal(validateReply(reply).ok, true);
    assert.equal(validateReply({ ...reply, run: receipt.run }).ok, true);
    assert.equal(validateReply({ ...reply, run: '' }).ok, false);
  });
});
