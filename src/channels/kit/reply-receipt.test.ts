import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DeliveryError, deliveryErrorCodes } from './delivery-error.ts';
import { buildReceiptReason, buildReplyReceipt, planFailedDelivery } from './reply-receipt.ts';

const identity = { namespace: 'team-a', instance: 'claw', channel: 'telegram' as const };
const reply = {
  id: 'run-uid-1',
  run: 'claw-telegram-0a1b2c3d4e',
  chat: { chatId: '42' },
  status: 'succeeded' as const,
  text: 'Hi',
};
const now = new Date('2026-11-30T15:00:00.000Z');
const refusal = new DeliveryError(deliveryErrorCodes.rejected, 'Telegram refused a reply: 403 Forbidden');
const busy = new DeliveryError(deliveryErrorCodes.retryable, 'Telegram refused a reply: 500');

describe('planFailedDelivery', () => {
  it('settles a refusal for good at once, on any delivery', () => {
    assert.deepEqual(planFailedDelivery(refusal, 1, 20), { settle: 'refused' });
  });

  it('leaves a retryable failure to the next delivery until the last one, then gives up', () => {
    assert.deepEqual(planFailedDelivery(busy, 1, 3), { settle: false });
    assert.deepEqual(planFailedDelivery(busy, 2, 3), { settle: false });
    assert.deepEqual(planFailedDelivery(busy, 3, 3), { settle: 'undeliverable' });
    // an error that is not the service's (a dropped socket the adapter did not map) alike
    assert.deepEqual(planFailedDelivery(new Error('socket hang up'), 1, 3), { settle: false });
    assert.deepEqual(planFailedDelivery(new Error('socket hang up'), 4, 3), { settle: 'undeliverable' });
  });
});

describe('buildReceiptReason', () => {
  it('is the error message on one line, with secrets blotted out and no cause or stack', () => {
    const error = new DeliveryError(
      deliveryErrorCodes.rejected,
      'Telegram refused a reply:\n 403 at https://api.telegram.org/bot123:ABC-long/sendMessage',
      { cause: new Error('inner detail 123:ABC') },
    );
    const reason = buildReceiptReason(error, ['123:ABC', '123:ABC-long']);
    assert.equal(reason, 'Telegram refused a reply: 403 at https://api.telegram.org/bot***/sendMessage');
    assert.doesNotMatch(reason, /inner detail|at .*\.ts:\d+/);
  });

  it('is at most 256 characters', () => {
    const reason = buildReceiptReason(new Error('x'.repeat(1000)), []);
    assert.equal(reason.length, 256);
    assert.ok(reason.endsWith('…'));
  });
});

describe('buildReplyReceipt', () => {
  it('names the reply and its run, with no reason when delivered', () => {
    assert.deepEqual(
      buildReplyReceipt({
        identity,
        reply,
        outcome: 'delivered',
        parts: 2,
        attempts: 3,
        deliveries: 1,
        secrets: [],
        now,
      }),
      {
        id: 'run-uid-1',
        run: 'claw-telegram-0a1b2c3d4e',
        channel: 'telegram',
        namespace: 'team-a',
        instance: 'claw',
        outcome: 'delivered',
        parts: 2,
        attempts: 3,
        deliveries: 1,
        at: '2026-11-30T15:00:00.000Z',
      },
    );
  });

  it('says why a reply was refused, and leaves out a run the reply did not name', () => {
    const { run: _run, ...withoutRun } = reply;
    const receipt = buildReplyReceipt({
      identity,
      reply: withoutRun,
      outcome: 'refused',
      error: refusal,
      parts: 0,
      attempts: 1,
      deliveries: 1,
      secrets: [],
      now,
    });
    assert.equal(receipt.run, undefined);
    assert.equal(receipt.outcome, 'refused');
    assert.equal(receipt.reason, 'Telegram refused a reply: 403 Forbidden');
  });
});
