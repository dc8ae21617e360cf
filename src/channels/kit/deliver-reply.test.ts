import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ChannelReply } from '../../api/index.ts';
import { deliverReply } from './deliver-reply.ts';
import { DeliveryError, deliveryErrorCodes } from './delivery-error.ts';

const reply: ChannelReply = { id: 'run-uid', chat: { chatId: '1' }, status: 'succeeded', text: 'Hello.' };

describe('deliverReply', () => {
  it('waits what a 429 asked for, doubles its own delay after a 5xx, and sends each part once', async () => {
    const sent: string[] = [];
    const slept: number[] = [];
    const failures = [
      new DeliveryError(deliveryErrorCodes.retryable, '429', { retryAfterMs: 3000 }),
      new DeliveryError(deliveryErrorCodes.retryable, '500'),
      new DeliveryError(deliveryErrorCodes.retryable, '502'),
    ];
    const long = { ...reply, text: `${'a'.repeat(2000)} ${'b'.repeat(100)}` };
    const outcome = await deliverReply(long, {
      channel: 'discord',
      retryDelayMs: 100,
      sleep: async (ms) => void slept.push(ms),
      send: async (_reply, part, index) => {
        // the second part fails three times; the first must not be sent again meanwhile
        if (index === 1 && failures.length > 0) throw failures.shift();
        sent.push(part.plain.slice(0, 1));
      },
    });
    assert.deepEqual(sent, ['a', 'b']);
    assert.deepEqual(slept, [3000, 200, 400]);
    assert.deepEqual(outcome, { parts: 2, attempts: 5 });
  });

  it('gives up after the attempts and hands the error back, and never retries a refusal', async () => {
    let calls = 0;
    await assert.rejects(
      deliverReply(reply, {
        channel: 'telegram',
        maxAttempts: 3,
        sleep: async () => undefined,
        send: async () => {
          calls += 1;
          throw new DeliveryError(deliveryErrorCodes.retryable, '500');
        },
      }),
      /500/,
    );
    assert.equal(calls, 3);
    calls = 0;
    await assert.rejects(
      deliverReply(reply, {
        channel: 'telegram',
        sleep: async () => undefined,
        send: async () => {
          calls += 1;
          throw new DeliveryError(deliveryErrorCodes.rejected, 'chat not found');
        },
      }),
      /chat not found/,
    );
    assert.equal(calls, 1);
  });

  it('caps what retry_after may ask for', async () => {
    const slept: number[] = [];
    let first = true;
    await deliverReply(reply, {
      channel: 'telegram',
      maxDelayMs: 5000,
      sleep: async (ms) => void slept.push(ms),
      send: async () => {
        if (!first) return;
        first = false;
        throw new DeliveryError(deliveryErrorCodes.retryable, '429', { retryAfterMs: 3_600_000 });
      },
    });
    assert.deepEqual(slept, [5000]);
  });
});
