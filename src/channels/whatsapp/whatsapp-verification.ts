// The handshake Meta does when a webhook URL is configured in the app's dashboard: a GET with
// `hub.mode=subscribe`, the verify token the app owner typed there and a challenge, answered with
// the challenge when the token is ours, else 403. Pure.
import { createHash, timingSafeEqual } from 'node:crypto';

export interface VerificationAnswer {
  status: 200 | 403;
  body: string;
}

/** Equal strings, compared in constant time over their digests (lengths may differ). */
function sameSecret(given: string, expected: string): boolean {
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

export function answerVerification(query: URLSearchParams, verifyToken: string): VerificationAnswer {
  const mode = query.get('hub.mode');
  const token = query.get('hub.verify_token');
  const challenge = query.get('hub.challenge');
  if (mode !== 'subscribe' || token === null || challenge === null || !sameSecret(token, verifyToken)) {
    return { status: 403, body: 'Forbidden' };
  }
  return { status: 200, body: challenge };
}
