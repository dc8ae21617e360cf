// Whether a webhook post really comes from Meta: the Cloud API signs the raw request body with
// HMAC-SHA256 under the app secret and sends `X-Hub-Signature-256: sha256=<hex>`. Compared in
// constant time, so a forger learns nothing from how long a refusal takes.
import { createHmac, timingSafeEqual } from 'node:crypto';

const signaturePattern = /^sha256=([0-9a-f]{64})$/i;

export function isValidWebhookSignature(
  rawBody: Buffer,
  header: string | string[] | undefined,
  appSecret: string,
): boolean {
  if (typeof header !== 'string') return false;
  const match = signaturePattern.exec(header.trim());
  if (!match?.[1]) return false;
  const expected = createHmac('sha256', appSecret).update(rawBody).digest();
  return timingSafeEqual(Buffer.from(match[1], 'hex'), expected);
}
