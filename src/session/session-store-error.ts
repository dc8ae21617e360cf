// The error of the session store edge. What the pg client throws is converted into it (see
// pg-error.ts) so callers branch on a `code`, never on pg classes; the original stays the `cause`.
import { K8sClawError } from '../api/errors.ts';

export const sessionStoreErrorCodes = {
  /** PostgreSQL cannot be reached or is shutting down; worth retrying later (the API answers 503). */
  unavailable: 'session.Unavailable',
  /** A continue token that this store did not issue, or issued for another listing. */
  invalidContinue: 'session.InvalidContinue',
  /** A value the schema refuses (too long, wrong role). */
  invalidInput: 'session.InvalidInput',
  /** The store was closed by this process. */
  closed: 'session.Closed',
  /** Anything else PostgreSQL refused. */
  failed: 'session.Failed',
} as const;
export type SessionStoreErrorCode = (typeof sessionStoreErrorCodes)[keyof typeof sessionStoreErrorCodes];

export class SessionStoreError extends K8sClawError {
  declare readonly code: SessionStoreErrorCode;
  /** The SQLSTATE PostgreSQL answered with, when it answered. */
  readonly sqlState: string | undefined;

  constructor(
    code: SessionStoreErrorCode,
    message: string,
    options: { cause?: unknown; sqlState?: string } = {},
  ) {
    super(code, message, { cause: options.cause });
    this.sqlState = options.sqlState;
  }
}

/** True when the database could not be reached: the caller should fail fast (503) and retry later. */
export const isSessionStoreUnavailable = (error: unknown): boolean =>
  error instanceof SessionStoreError && error.code === sessionStoreErrorCodes.unavailable;

export const isInvalidContinue = (error: unknown): boolean =>
  error instanceof SessionStoreError && error.code === sessionStoreErrorCodes.invalidContinue;
