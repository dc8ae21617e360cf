// Bounded polling for asynchronous cluster state: retries `attempt` until it returns a value
// (not undefined) or the time runs out; the last error is kept as the cause.
import { setTimeout as sleep } from 'node:timers/promises';
import { isNotFound } from '../../src/kube/index.ts';

export async function eventually<T>(
  what: string,
  attempt: () => Promise<T | undefined>,
  timeoutMs = 30_000,
  intervalMs = 200,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await attempt();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    await sleep(intervalMs);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`, { cause: lastError });
}

/** An `eventually` attempt that succeeds once `read` answers NotFound (the object is gone). */
export function whenGone(read: () => Promise<unknown>): () => Promise<true | undefined> {
  return async () =>
    await read().then(
      () => undefined,
      (error: unknown) => (isNotFound(error) ? true : undefined),
    );
}

/** `promise`, or a rejection naming `what` once `timeoutMs` passed without it settling. */
export async function settlesWithin<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not happen within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    return await Promise.race([promise, timedOut]);
  } finally {
    clearTimeout(timer);
  }
}
