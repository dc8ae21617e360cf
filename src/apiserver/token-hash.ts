// The only form in which a caller's bearer token is kept or compared after its request: a SHA-256
// digest. Caches key on it, so a heap dump or a log line never holds a usable credential.
import { createHash } from 'node:crypto';

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}
