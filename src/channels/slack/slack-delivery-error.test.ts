import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { webApi } from '@slack/bolt';
import { DeliveryError } from '../kit/index.ts';
import { toDeliveryError } from './slack-delivery-error.ts';

function mapped(error: unknown): DeliveryError {
  const result = toDeliveryError(error, 'a reply');
  assert.ok(result instanceof DeliveryError);
  return result;
}

describe("Slack's Web API errors as delivery errors", () => {
  it('a rate limit is retryable after what Slack asked', () => {
    const error = mapped(new webApi.WebAPIRateLimitedError(7));
    assert.deepEqual([error.retryable, error.retryAfterMs], [true, 7000]);
    const http429 = mapped(new webApi.WebAPIHTTPError(429, 'Too Many Requests', { 'retry-after': '2' }));
    assert.deepEqual([http429.retryable, http429.retryAfterMs], [true, 2000]);
    assert.equal(mapped(new webApi.WebAPIPlatformError({ ok: false, error: 'ratelimited' })).retryable, true);
  });

  it("Slack's server trouble and the network are retryable", () => {
    assert.equal(mapped(new webApi.WebAPIHTTPError(503, 'Service Unavailable', {})).retryable, true);
    assert.equal(
      mapped(new webApi.WebAPIPlatformError({ ok: false, error: 'internal_error' })).retryable,
      true,
    );
    assert.equal(mapped(new webApi.WebAPIRequestError(new Error('ECONNRESET'))).retryable, true);
  });

  it('the rest is refused for good', () => {
    for (const code of ['channel_not_found', 'not_in_channel', 'invalid_auth', 'msg_too_long']) {
      const error = mapped(new webApi.WebAPIPlatformError({ ok: false, error: code }));
      assert.equal(error.retryable, false, code);
      assert.match(error.message, new RegExp(code));
    }
    assert.equal(mapped(new webApi.WebAPIHTTPError(400, 'Bad Request', {})).retryable, false);
  });

  it('leaves other errors alone', () => {
    const error = new Error('something else');
    assert.equal(toDeliveryError(error, 'a reply'), error);
  });
});
