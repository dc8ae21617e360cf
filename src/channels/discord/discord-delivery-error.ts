// Discord's refusals as the kit's DeliveryError (pure): a 429 (discord.js's RateLimitError, as
// its REST client rejects rate limits instead of waiting them out, or a 429 answer) retryable after
// the time Discord asked for, 5xx and network errors retryable, every other answer (403 missing
// access, 404 unknown channel, 400 invalid body) a refusal for good.
import { DiscordAPIError, HTTPError, RateLimitError } from 'discord.js';
import { DeliveryError, deliveryErrorCodes } from '../kit/index.ts';

/** Discord's JSON error body for a 429 carries `retry_after` in seconds. */
function retryAfterOf(error: DiscordAPIError): number | undefined {
  const body = error.rawError as { retry_after?: unknown };
  return typeof body.retry_after === 'number' ? Math.ceil(body.retry_after * 1000) : undefined;
}

function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * The request never got an answer: undici's errors (`UND_ERR_SOCKET` "other side closed",
 * `UND_ERR_CONNECT_TIMEOUT`), the system's (`ECONNREFUSED`, `ECONNRESET`, `ENOTFOUND`), fetch's
 * "fetch failed" wrapping them, or the request timeout aborting it.
 */
function isNetworkError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (error.name === 'AbortError' || error.name === 'TimeoutError') return true;
  const code = errorCode(error) ?? errorCode(error.cause);
  if (code !== undefined && (code.startsWith('UND_ERR_') || /^E[A-Z_]+$/.test(code))) return true;
  return error instanceof TypeError && error.message === 'fetch failed';
}

export function toDeliveryError(error: unknown, what: string): unknown {
  if (error instanceof RateLimitError) {
    return new DeliveryError(
      deliveryErrorCodes.retryable,
      `Discord rate-limited ${what} (${error.route}, retry after ${error.retryAfter} ms)`,
      { cause: error, retryAfterMs: Math.max(0, Math.ceil(error.retryAfter)) },
    );
  }
  if (error instanceof DiscordAPIError) {
    const retryable = error.status === 429 || error.status >= 500;
    const retryAfterMs = error.status === 429 ? retryAfterOf(error) : undefined;
    return new DeliveryError(
      retryable ? deliveryErrorCodes.retryable : deliveryErrorCodes.rejected,
      `Discord refused ${what}: ${error.status} ${error.code} ${error.message}`,
      { cause: error, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) },
    );
  }
  if (error instanceof HTTPError) {
    return new DeliveryError(
      error.status >= 500 || error.status === 429
        ? deliveryErrorCodes.retryable
        : deliveryErrorCodes.rejected,
      `Discord answered ${what} with ${error.status} ${error.message}`,
      { cause: error },
    );
  }
  if (isNetworkError(error)) {
    return new DeliveryError(
      deliveryErrorCodes.retryable,
      `Discord unreachable for ${what}: ${(error as Error).message}`,
      { cause: error },
    );
  }
  return error;
}
