import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DiscordAPIError, HTTPError, RateLimitError } from 'discord.js';
import { DeliveryError } from '../kit/index.ts';
import { toDeliveryError } from './discord-delivery-error.ts';

const url = 'https://discord.com/api/v10/channels/1/messages';

function apiError(status: number, body: { code: number; message: string; retry_after?: number }) {
  return new DiscordAPIError(body, body.code, status, 'POST', url, { body: {} });
}

function mapped(error: unknown): DeliveryError {
  const result = toDeliveryError(error, 'a reply');
  assert.ok(result instanceof DeliveryError);
  return result;
}

describe('toDeliveryError (Discord)', () => {
  it('a rejected rate limit is retryable after the time Discord asked for', () => {
    const error = mapped(
      new RateLimitError({
        timeToReset: 2000,
        limit: 5,
        method: 'POST',
        hash: 'h',
        url,
        route: '/channels/:id/messages',
        majorParameter: '1',
        global: false,
        retryAfter: 2050,
        sublimitTimeout: 0,
        scope: 'user',
      }),
    );
    assert.equal(error.retryable, true);
    assert.equal(error.retryAfterMs, 2050);
  });

  it('a 429 answer is retryable after its body’s retry_after', () => {
    const error = mapped(
      apiError(429, { code: 0, message: 'You are being rate limited.', retry_after: 1.5 }),
    );
    assert.equal(error.retryable, true);
    assert.equal(error.retryAfterMs, 1500);
  });

  it('5xx and an unreachable Discord are retryable, without a delay of their own', () => {
    for (const error of [
      mapped(new HTTPError(502, 'Bad Gateway', 'POST', url, { body: {} })),
      mapped(apiError(500, { code: 0, message: '500: Internal Server Error' })),
      mapped(new TypeError('fetch failed', { cause: new Error('connect ECONNREFUSED 127.0.0.1:1') })),
      mapped(new DOMException('This operation was aborted', 'AbortError')),
      mapped(Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' })),
      mapped(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' })),
    ]) {
      assert.equal(error.retryable, true, error.message);
      assert.equal(error.retryAfterMs, undefined);
    }
  });

  it('missing access, an unknown channel and an invalid body are refusals for good', () => {
    for (const [status, code, message] of [
      [403, 50001, 'Missing Access'],
      [404, 10003, 'Unknown Channel'],
      [400, 50035, 'Invalid Form Body'],
    ] as const) {
      const error = mapped(apiError(status, { code, message }));
      assert.equal(error.retryable, false);
      assert.match(error.message, new RegExp(`${status} ${code} ${message}`));
    }
  });

  it('leaves other errors as they are', () => {
    const bug = new TypeError('cannot read properties of undefined');
    assert.equal(toDeliveryError(bug, 'a reply'), bug);
  });
});
