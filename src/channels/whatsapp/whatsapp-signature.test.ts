import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, it } from 'node:test';
import { isValidWebhookSignature } from './whatsapp-signature.ts';

const secret = 'app-secret-123';
const body = Buffer.from('{"object":"whatsapp_business_account","entry":[]}');
const hex = (key: string, data: Buffer) => createHmac('sha256', key).update(data).digest('hex');

describe('the webhook signature check', () => {
  it('accepts the HMAC-SHA256 of the raw body under the app secret, in either hex case', () => {
    assert.equal(isValidWebhookSignature(body, `sha256=${hex(secret, body)}`, secret), true);
    assert.equal(isValidWebhookSignature(body, `sha256=${hex(secret, body).toUpperCase()}`, secret), true);
  });

  it('refuses a signature made with another secret, or over another body', () => {
    assert.equal(isValidWebhookSignature(body, `sha256=${hex('guessed', body)}`, secret), false);
    const other = Buffer.from(`${body.toString()} `);
    assert.equal(isValidWebhookSignature(other, `sha256=${hex(secret, body)}`, secret), false);
  });

  it('refuses a missing header, another algorithm, a wrong length and repeated headers', () => {
    const good = hex(secret, body);
    assert.equal(isValidWebhookSignature(body, undefined, secret), false);
    assert.equal(isValidWebhookSignature(body, '', secret), false);
    assert.equal(isValidWebhookSignature(body, good, secret), false);
    assert.equal(isValidWebhookSignature(body, `sha1=${good}`, secret), false);
    assert.equal(isValidWebhookSignature(body, `sha256=${good.slice(0, 62)}`, secret), false);
    assert.equal(isValidWebhookSignature(body, `sha256=${good}00`, secret), false);
    assert.equal(isValidWebhookSignature(body, `sha256=${'z'.repeat(64)}`, secret), false);
    assert.equal(isValidWebhookSignature(body, [`sha256=${good}`], secret), false);
  });
});
