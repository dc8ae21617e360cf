// Exponential backoff for retrying list and watch, as client-go's reflector does it: each failure
// in a row waits longer (base, doubling, up to max, with up to `jitter` × the step added at random so
// that many informers do not retry in lockstep); only proof that the connection works again resets it.
// Pure: randomness is injected for tests.

export interface BackoffOptions {
  baseMs: number;
  maxMs: number;
  /** Fraction of the step added at random (0: none). */
  jitter?: number;
  random?: () => number;
}

export class Backoff {
  private readonly options: Required<BackoffOptions>;
  private failures = 0;

  constructor(options: BackoffOptions) {
    this.options = { jitter: 0, random: Math.random, ...options };
  }

  /** The wait before the next attempt after one more failure. */
  next(): number {
    const { baseMs, maxMs, jitter, random } = this.options;
    const step = Math.min(baseMs * 2 ** this.failures, maxMs);
    this.failures++;
    return Math.round(step + step * jitter * random());
  }

  reset(): void {
    this.failures = 0;
  }

  get consecutiveFailures(): number {
    return this.failures;
  }
}
