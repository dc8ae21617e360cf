import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildGraphDeliveryError } from './whatsapp-graph-error.ts';

const token = 'EAAGsecretTOKEN123';

function graphBody(code: number, message: string, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    error: { message, type: 'OAuthException', code, fbtrace_id: 'Az8or2yhqkZfEZ-_4Qn_Bam', ...extra },
  });
}

function mapped(status: number, body: string, retryAfter?: string) {
  return buildGraphDeliveryError({
    status,
    body,
    retryAfter: retryAfter ?? null,
    what: 'a reply',
    secrets: [token],
    now: new Date('2026-01-01T00:00:00Z'),
  });
}

describe('Graph API errors as delivery errors', () => {
  it('retries throttling, by HTTP status or by Graph code, waiting what Retry-After says', () => {
    const limited = mapped(429, graphBody(130429, '(#130429) Rate limit hit'), '7');
    assert.equal(limited.retryable, true);
    assert.equal(limited.retryAfterMs, 7000);
    for (const code of [4, 80007, 130429, 131048, 131056]) {
      const error = mapped(400, graphBody(code, `(#${code}) limit`));
      assert.equal(error.retryable, true, String(code));
      assert.equal(error.retryAfterMs, undefined);
    }
    const dated = mapped(429, graphBody(4, 'limit'), 'Thu, 01 Jan 2026 00:00:30 GMT');
    assert.equal(dated.retryAfterMs, 30_000);
  });

  it("retries Meta's own failures: 5xx, a body that is not Graph's, its temporary codes", () => {
    assert.equal(mapped(500, graphBody(1, 'An unknown error occurred')).retryable, true);
    assert.equal(mapped(502, '<html>Bad Gateway</html>').retryable, true);
    assert.equal(mapped(400, graphBody(131000, 'Something went wrong')).retryable, true);
    assert.equal(mapped(503, graphBody(131016, 'Service unavailable')).retryable, true);
  });

  it('refuses for good a closed window, an undeliverable number, an invalid token, a bad parameter', () => {
    for (const [status, code] of [
      [400, 131047],
      [400, 131026],
      [401, 190],
      [400, 100],
    ] as const) {
      const error = mapped(status, graphBody(code, `(#${code}) refused`, { error_subcode: 2494010 }));
      assert.equal(error.retryable, false, String(code));
      assert.equal(error.retryAfterMs, undefined);
      assert.match(error.message, new RegExp(`HTTP ${status}, code ${code}/2494010`));
    }
  });

  it("names Meta's words and trace id, and never the access token", () => {
    const error = mapped(
      401,
      graphBody(190, `Malformed access token ${token}`, {
        error_data: { details: `token ${token} expired` },
      }),
    );
    assert.match(error.message, /^WhatsApp refused a reply: HTTP 401, code 190: Malformed access token/);
    assert.match(error.message, /fbtrace_id Az8or2yhqkZfEZ-_4Qn_Bam/);
    assert.equal(error.message.includes(token), false);
    assert.match(error.message, /\[redacted\]/);
  });
});
