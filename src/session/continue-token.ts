// Opaque continue tokens of keyset pagination: the listing they belong to and the last key of the
// page already returned. A token names its listing so one issued for another session or instance
// is refused instead of silently starting somewhere else.
import { SessionStoreError, sessionStoreErrorCodes } from './session-store-error.ts';

interface TokenBody {
  /** The listing: e.g. `sessions/<namespace>/<instance>`. */
  l: string;
  /** The last key of the previous page. */
  k: string;
}

export function buildContinueToken(listing: string, lastKey: string): string {
  const body: TokenBody = { l: listing, k: lastKey };
  return Buffer.from(JSON.stringify(body), 'utf8').toString('base64url');
}

/** The last key a token carries; a SessionStoreError (invalidContinue) for anything else. */
export function parseContinueToken(listing: string, token: string): string {
  let body: unknown;
  try {
    body = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch (error) {
    throw new SessionStoreError(sessionStoreErrorCodes.invalidContinue, 'continue token is not valid', {
      cause: error,
    });
  }
  const valid =
    typeof body === 'object' &&
    body !== null &&
    (body as Partial<TokenBody>).l === listing &&
    typeof (body as Partial<TokenBody>).k === 'string';
  if (!valid) {
    throw new SessionStoreError(
      sessionStoreErrorCodes.invalidContinue,
      'continue token belongs to another listing',
    );
  }
  return (body as TokenBody).k;
}
