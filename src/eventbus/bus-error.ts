// The error of the event bus edge. NATS client exceptions are converted into it (see
// nats-error.ts) so callers branch on a `code`, never on NATS classes; the original stays the `cause`.
import { K8sClawError } from '../api/errors.ts';
import type { FieldError } from '../api/validation.ts';

export const busErrorCodes = {
  /** A name or uid that cannot be a subject token. */
  invalidName: 'bus.InvalidName',
  /** A message that does not match its schema; never retried. */
  invalidMessage: 'bus.InvalidMessage',
  /** The credentials do not allow this subject. */
  permissionDenied: 'bus.PermissionDenied',
  /** Credentials or keys that cannot be parsed; a configuration error. */
  invalidCredentials: 'bus.InvalidCredentials',
  /** The server refused the credentials (unknown, revoked or expired). */
  authenticationFailed: 'bus.AuthenticationFailed',
  /** The server or JetStream did not answer in time; worth retrying. */
  unavailable: 'bus.Unavailable',
  /** JetStream answered with an error (bad configuration, limits). */
  rejected: 'bus.Rejected',
  /** The connection was closed by this process. */
  closed: 'bus.Closed',
  /** The caller's signal or deadline ended the operation. */
  aborted: 'bus.Aborted',
} as const;
export type BusErrorCode = (typeof busErrorCodes)[keyof typeof busErrorCodes];

export class BusError extends K8sClawError {
  declare readonly code: BusErrorCode;
  /** The subject involved, when there is one (the refused subject of a permission error). */
  readonly subject: string | undefined;
  /** Schema errors of an invalid message. */
  readonly fieldErrors: FieldError[];

  constructor(
    code: BusErrorCode,
    message: string,
    options: { cause?: unknown; subject?: string; fieldErrors?: FieldError[] } = {},
  ) {
    super(code, message, { cause: options.cause });
    this.subject = options.subject;
    this.fieldErrors = options.fieldErrors ?? [];
  }
}

const hasCode = (error: unknown, code: BusErrorCode): boolean =>
  error instanceof BusError && error.code === code;

export const isPermissionDenied = (error: unknown): boolean => hasCode(error, busErrorCodes.permissionDenied);
export const isAuthenticationFailed = (error: unknown): boolean =>
  hasCode(error, busErrorCodes.authenticationFailed);
export const isBusUnavailable = (error: unknown): boolean => hasCode(error, busErrorCodes.unavailable);
