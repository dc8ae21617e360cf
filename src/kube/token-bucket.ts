// An overall rate limit for retries, as client-go's BucketRateLimiter: a bucket of `burst` tokens
// refilled at `perSecond`. A caller reserves a token and learns how long to wait for it; the bucket
// may go into debt, so a burst of reservations is spread out at the refill rate instead of refused.
// Pure: the caller passes the time.

export interface TokenBucketOptions {
  perSecond: number;
  burst: number;
}

export class TokenBucket {
  private readonly perMs: number;
  private readonly burst: number;
  private tokens: number;
  private updatedAt: number | undefined;

  constructor(options: TokenBucketOptions) {
    if (options.perSecond <= 0 || options.burst < 1) {
      throw new RangeError('a token bucket needs a positive rate and a burst of at least 1');
    }
    this.perMs = options.perSecond / 1000;
    this.burst = options.burst;
    this.tokens = options.burst;
  }

  /** Takes one token and returns how many milliseconds from `now` it becomes available (0: now). */
  reserve(now: number): number {
    const elapsed = this.updatedAt === undefined ? 0 : Math.max(0, now - this.updatedAt);
    this.tokens = Math.min(this.burst, this.tokens + elapsed * this.perMs);
    this.updatedAt = Math.max(now, this.updatedAt ?? now);
    this.tokens -= 1;
    return this.tokens >= 0 ? 0 : Math.ceil(-this.tokens / this.perMs);
  }
}
