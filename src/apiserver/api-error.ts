// The errors the HTTP API answers with, and the one mapping from any thrown error to a response
// (status + JSON body). Handlers throw; the app's onError calls toErrorResponse. Messages of
// unexpected errors never reach the client (they may hold internals); they are logged instead.
import { K8sClawError, type FieldError } from '../api/index.ts';
import { KubeApiError, toKubeError } from '../kube/index.ts';
import { SessionStoreError, sessionStoreErrorCodes } from '../session/index.ts';

export const apiErrorCodes = {
  invalidRequest: 'InvalidRequest',
  unauthorized: 'Unauthorized',
  forbidden: 'Forbidden',
  notFound: 'NotFound',
  conflict: 'Conflict',
  alreadyExists: 'AlreadyExists',
  expired: 'Expired',
  unavailable: 'Unavailable',
  internal: 'InternalError',
} as const;

export type ApiErrorCode = (typeof apiErrorCodes)[keyof typeof apiErrorCodes];

export interface ErrorBody {
  code: ApiErrorCode;
  message: string;
  /** For InvalidRequest: each offending field by dotted path (`spec.task`, `limit`, `body`). */
  fields?: FieldError[];
}

export class ApiError extends K8sClawError {
  readonly status: number;
  readonly body: ErrorBody;

  constructor(status: number, body: ErrorBody, options?: { cause?: unknown }) {
    super(`apiserver.${body.code}`, body.message, options);
    this.status = status;
    this.body = body;
  }
}

export function invalidRequest(fields: FieldError[]): ApiError {
  const summary = fields.map((f) => `${f.field}: ${f.message}`).join('; ');
  return new ApiError(400, { code: apiErrorCodes.invalidRequest, message: summary, fields });
}

export interface ErrorResponse {
  status: number;
  body: ErrorBody;
  /** The error is the server's fault (or the cluster's): worth logging with its cause. */
  unexpected: boolean;
}

const respond = (status: number, code: ApiErrorCode, message: string, unexpected = false) => ({
  status,
  body: { code, message },
  unexpected,
});

/**
 * Kubernetes answers are only ever for requests the caller was already allowed to make, so their
 * not-found, conflict and validation messages are the caller's own business. A 401/403 from the
 * apiserver means the API server's own ServiceAccount lacks a right: a deployment fault, not the
 * caller's.
 */
function fromKube(error: KubeApiError): ErrorResponse {
  switch (error.status) {
    case 404:
      return respond(404, apiErrorCodes.notFound, error.message);
    case 409:
      return error.reason === 'AlreadyExists'
        ? respond(409, apiErrorCodes.alreadyExists, error.message)
        : respond(409, apiErrorCodes.conflict, error.message);
    case 400:
    case 422:
      return respond(400, apiErrorCodes.invalidRequest, error.message);
    case 410:
      return respond(
        410,
        apiErrorCodes.expired,
        'the continue token has expired: start the list again without it',
      );
    case 429:
    case 500:
    case 502:
    case 503:
    case 504:
      return respond(503, apiErrorCodes.unavailable, 'the Kubernetes API is unavailable; retry later', true);
    default:
      return respond(500, apiErrorCodes.internal, 'internal error', true);
  }
}

/** The session store's errors: unreachable is a 503 at once, a foreign continue token the caller's. */
function fromSessionStore(error: SessionStoreError): ErrorResponse {
  switch (error.code) {
    case sessionStoreErrorCodes.unavailable:
      return respond(503, apiErrorCodes.unavailable, 'the session store is unavailable; retry later');
    case sessionStoreErrorCodes.invalidContinue:
      return {
        status: 400,
        body: {
          code: apiErrorCodes.invalidRequest,
          message: 'continue: must be a token from a previous page of this list',
          fields: [{ field: 'continue', message: 'must be a token from a previous page of this list' }],
        },
        unexpected: false,
      };
    default:
      return respond(500, apiErrorCodes.internal, 'internal error', true);
  }
}

export function toErrorResponse(error: unknown): ErrorResponse {
  if (error instanceof ApiError) return { status: error.status, body: error.body, unexpected: false };
  if (error instanceof SessionStoreError) return fromSessionStore(error);
  const kubeError = toKubeError(error);
  if (kubeError instanceof KubeApiError) return fromKube(kubeError);
  return respond(500, apiErrorCodes.internal, 'internal error', true);
}
