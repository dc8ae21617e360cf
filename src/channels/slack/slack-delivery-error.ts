// Slack's Web API errors as the kit's DeliveryError: rate limits (HTTP 429 with Retry-After, or
// the `ratelimited` error), Slack's own server trouble (5xx, `internal_error`, `fatal_error`,
// `service_unavailable`, `request_timeout`) and network errors are worth trying again; every other
// refusal (`channel_not_found`, `not_in_channel`, `invalid_auth`, `msg_too_long`, …) is final.
import { webApi } from '@slack/bolt';
import { DeliveryError, deliveryErrorCodes } from '../kit/index.ts';

/** Platform errors Slack documents as temporary on its side. */
const retryablePlatformErrors = new Set([
  'ratelimited',
  'rate_limited',
  'internal_error',
  'fatal_error',
  'service_unavailable',
  'request_timeout',
]);

function retryAfterMs(headers: Record<string, string> | undefined): number | undefined {
  const seconds = Number(headers?.['retry-after']);
  return Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : undefined;
}

/** The error as a DeliveryError when it is one of Slack's, else unchanged. */
export function toDeliveryError(error: unknown, what: string): unknown {
  if (error instanceof webApi.WebAPIRateLimitedError) {
    return new DeliveryError(deliveryErrorCodes.retryable, `Slack rate-limited ${what}`, {
      cause: error,
      retryAfterMs: error.retryAfter * 1000,
    });
  }
  if (error instanceof webApi.WebAPIHTTPError) {
    const retryable = error.statusCode === 429 || error.statusCode >= 500;
    const after = retryAfterMs(error.headers);
    return new DeliveryError(
      retryable ? deliveryErrorCodes.retryable : deliveryErrorCodes.rejected,
      `Slack answered ${error.statusCode} to ${what}`,
      { cause: error, ...(after !== undefined ? { retryAfterMs: after } : {}) },
    );
  }
  if (error instanceof webApi.WebAPIPlatformError) {
    const code = error.data.error;
    return new DeliveryError(
      retryablePlatformErrors.has(code) ? deliveryErrorCodes.retryable : deliveryErrorCodes.rejected,
      `Slack refused ${what}: ${code}`,
      { cause: error },
    );
  }
  if (error instanceof webApi.WebAPIRequestError) {
    return new DeliveryError(
      deliveryErrorCodes.retryable,
      `Slack unreachable for ${what}: ${error.message}`,
      {
        cause: error,
      },
    );
  }
  return error;
}
