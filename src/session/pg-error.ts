// Converts what the pg client throws into a SessionStoreError. Telling "the database is not there"
// from "the database said no" decides between a fast 503 (retry later) and a real failure, so the
// whole cause chain is inspected: socket errors (ECONNREFUSED…), pg's own connection messages
// (they carry no code) and the SQLSTATE classes of a server that is going away.
import {
  SessionStoreError,
  sessionStoreErrorCodes,
  type SessionStoreErrorCode,
} from './session-store-error.ts';

/** Socket errors of a server that is down, restarting or unreachable. */
const unavailableSystemCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/**
 * SQLSTATEs of a server that cannot serve now: 57P01 admin_shutdown (a fast shutdown or restart
 * ended the session), 57P02 crash_shutdown, 57P03 cannot_connect_now (starting up or recovering),
 * 53300 too_many_connections; and class 08, connection exceptions.
 */
const unavailableSqlStates = new Set(['57P01', '57P02', '57P03', '53300']);

/** Check violations and values too long for their column: a caller's mistake, never retried. */
const invalidInputSqlStates = new Set(['23514', '22001', '22P02', '23502']);

/** pg reports a lost or timed-out connection with these messages and no code. */
const unavailableMessages = [
  /connection terminated/i,
  /timeout exceeded when trying to connect/i,
  /connection timeout/i,
  /client has encountered a connection error/i,
  /query read timeout/i,
];

function causeChain(error: unknown): unknown[] {
  const chain: unknown[] = [];
  let current: unknown = error;
  while (current !== undefined && current !== null && chain.length < 8 && !chain.includes(current)) {
    chain.push(current);
    if (current instanceof AggregateError) chain.push(...current.errors.slice(0, 4));
    current = current instanceof Error ? current.cause : undefined;
  }
  return chain;
}

function codeOf(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null || !('code' in error)) return undefined;
  const { code } = error as { code: unknown };
  return typeof code === 'string' ? code : undefined;
}

function isSqlState(code: string | undefined): code is string {
  return code !== undefined && /^[0-9A-Z]{5}$/.test(code);
}

function classify(error: unknown): SessionStoreErrorCode | undefined {
  if (error instanceof SessionStoreError) return error.code;
  const code = codeOf(error);
  if (code !== undefined && unavailableSystemCodes.has(code)) return sessionStoreErrorCodes.unavailable;
  if (isSqlState(code)) {
    if (unavailableSqlStates.has(code) || code.startsWith('08')) return sessionStoreErrorCodes.unavailable;
    if (invalidInputSqlStates.has(code)) return sessionStoreErrorCodes.invalidInput;
    return sessionStoreErrorCodes.failed;
  }
  const message = error instanceof Error ? error.message : '';
  if (unavailableMessages.some((pattern) => pattern.test(message))) return sessionStoreErrorCodes.unavailable;
  return undefined;
}

/** The SessionStoreError for anything pg threw; `doing` names the operation for the message. */
export function toSessionStoreError(error: unknown, doing: string): SessionStoreError {
  if (error instanceof SessionStoreError) return error;
  for (const link of causeChain(error)) {
    const found = classify(link);
    if (found) {
      const reason = link instanceof Error ? link.message : String(link);
      const code = codeOf(link);
      return new SessionStoreError(found, `${doing}: ${reason}`, {
        cause: error,
        ...(isSqlState(code) ? { sqlState: code } : {}),
      });
    }
  }
  const reason = error instanceof Error ? error.message : String(error);
  return new SessionStoreError(sessionStoreErrorCodes.failed, `${doing}: ${reason}`, { cause: error });
}
