// Bounded retry of bus operations that fail while the server or JetStream is briefly away (a
// restart, a leader election): retried with capped exponential backoff until the caller's deadline
// or signal. Anything but `bus.Unavailable` is final at once.
import { setTimeout as sleep } from 'node:timers/promises';
import { BusError, busErrorCodes } from './bus-error.ts';

export interface RetryOptions {
  /** Stops retrying (and waiting) at once. */
  signal?: AbortSignal;
  /** How long to keep trying in all, in milliseconds. */
  timeoutMs?: number;
}

/** Delay before retry number `attempt` (from 0): doubling from `initialMs`, capped, with jitter. */
export function backoffDelay(attempt: number, initialMs = 100, maxMs = 2_000): number {
  const base = Math.min(maxMs, initialMs * 2 ** Math.min(attempt, 20));
  return Math.round(base * (0.75 + Math.random() * 0.25));
}

export function abortedError(doing: string, signal: AbortSignal): BusError {
  return new BusError(busErrorCodes.aborted, `${doing}: aborted`, { cause: signal.reason });
}

/** Waits `ms`; resolves false instead of waiting when the signal aborts first. */
export async function pause(ms: number, signal?: AbortSignal): Promise<boolean> {
  if (signal?.aborted) return false;
  try {
    await sleep(ms, undefined, signal ? { signal } : undefined);
    return true;
  } catch (error) {
    if (signal?.aborted) return false;
    throw error;
  }
}

/**
 * Runs `attempt` until it succeeds, fails with anything but `bus.Unavailable`, or the time is up
 * (the last unavailability is thrown). `attempt` gets the time left, to bound its own wait.
 */
export async function retryWhileUnavailable<T>(
  doing: string,
  attempt: (remainingMs: number) => Promise<T>,
  options: RetryOptions & { defaultTimeoutMs: number },
): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? options.defaultTimeoutMs);
  for (let tries = 0; ; tries++) {
    if (options.signal?.aborted) throw abortedError(doing, options.signal);
    try {
      return await attempt(Math.max(1, deadline - Date.now()));
    } catch (error) {
      if (!(error instanceof BusError) || error.code !== busErrorCodes.unavailable) throw error;
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw error;
      const waited = await pause(Math.min(backoffDelay(tries), remaining), options.signal);
      if (!waited && options.signal) throw abortedError(doing, options.signal);
    }
  }
}
