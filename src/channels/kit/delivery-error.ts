// The one error a channel adapter throws when a service did not take a message, saying whether
// trying again can help and how long the service asked to be left alone (429 `retry_after`).
import { K8sClawError } from '../../api/index.ts';

export const deliveryErrorCodes = {
  /** 429 or 5xx, a dropped connection: worth trying again. */
  retryable: 'channel.DeliveryRetryable',
  /** The service refused the message itself (400, 403: the bot was blocked, the chat is gone). */
  rejected: 'channel.DeliveryRejected',
} as const;

export class DeliveryError extends K8sClawError {
  readonly retryAfterMs: number | undefined;

  constructor(
    code: (typeof deliveryErrorCodes)[keyof typeof deliveryErrorCodes],
    message: string,
    options: { cause?: unknown; retryAfterMs?: number } = {},
  ) {
    super(code, message, options.cause === undefined ? {} : { cause: options.cause });
    this.retryAfterMs = options.retryAfterMs;
  }

  get retryable(): boolean {
    return this.code === deliveryErrorCodes.retryable;
  }
}
