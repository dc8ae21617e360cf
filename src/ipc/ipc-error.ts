// Errors of the /ipc file protocol. Codes are a closed set so callers can branch on them without
// parsing messages.
import { K8sClawError } from '../api/errors.ts';

export const ipcErrorCodes = {
  /** An event body the runner tried to emit does not match the schema. */
  invalidEvent: 'ipc.InvalidEvent',
  /** A result the runner tried to write does not match the schema. */
  invalidResult: 'ipc.InvalidResult',
  /** The bridge was started with an identity that does not match the schema. */
  invalidIdentity: 'ipc.InvalidIdentity',
  /** The sink did not confirm a publish in time; the bridge retries it. */
  publishTimeout: 'ipc.PublishTimeout',
  /** The run already has its result: no more events, no second result, no more inputs. */
  runFinished: 'ipc.RunFinished',
} as const;
export type IpcErrorCode = (typeof ipcErrorCodes)[keyof typeof ipcErrorCodes];

export class IpcError extends K8sClawError {
  declare readonly code: IpcErrorCode;

  constructor(code: IpcErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

export const isIpcError = (error: unknown, code?: IpcErrorCode): error is IpcError =>
  error instanceof IpcError && (code === undefined || error.code === code);
