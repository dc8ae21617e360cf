// Errors from the Kubernetes API, normalised from the client library's exceptions: the HTTP
// status, the Status reason (NotFound, AlreadyExists, Conflict, Forbidden, Invalid …) and the
// apiserver's own message, which names the offending field for validation failures.
import { ApiException } from '@kubernetes/client-node';
import { K8sClawError } from '../api/errors.ts';

export class KubeApiError extends K8sClawError {
  readonly status: number;
  readonly reason: string;

  constructor(status: number, reason: string, message: string, cause: unknown) {
    super(`kube.${reason || 'Unknown'}`, message, { cause });
    this.status = status;
    this.reason = reason;
  }
}

interface StatusBody {
  reason?: string;
  message?: string;
}

function parseStatusBody(body: unknown): StatusBody {
  if (typeof body === 'string') {
    try {
      return JSON.parse(body) as StatusBody;
    } catch {
      return { message: body };
    }
  }
  return typeof body === 'object' && body !== null ? (body as StatusBody) : {};
}

/** Converts whatever the client threw into a KubeApiError when it came from the apiserver. */
export function toKubeError(error: unknown): unknown {
  if (error instanceof KubeApiError || !(error instanceof ApiException)) return error;
  const status = parseStatusBody(error.body);
  return new KubeApiError(error.code, status.reason ?? '', status.message ?? error.message, error);
}

const hasStatus = (error: unknown, status: number): boolean => {
  const normalised = toKubeError(error);
  return normalised instanceof KubeApiError && normalised.status === status;
};

export const isNotFound = (error: unknown): boolean => hasStatus(error, 404);
export const isConflict = (error: unknown): boolean => hasStatus(error, 409);
export const isForbidden = (error: unknown): boolean => hasStatus(error, 403);
export const isInvalid = (error: unknown): boolean => hasStatus(error, 422);

export const isAlreadyExists = (error: unknown): boolean => {
  const normalised = toKubeError(error);
  return (
    normalised instanceof KubeApiError && normalised.status === 409 && normalised.reason === 'AlreadyExists'
  );
};

/** Awaits a delete or patch whose target may already be gone; any other failure is thrown. */
export async function ignoreNotFound(action: Promise<unknown>): Promise<void> {
  try {
    await action;
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
}

/** Awaits a read whose target may not exist: undefined then, any other failure is thrown. */
export async function undefinedIfNotFound<T>(read: Promise<T>): Promise<T | undefined> {
  try {
    return await read;
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}
