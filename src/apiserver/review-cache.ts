// A short-lived cache of authentication and authorization answers, so a burst of requests with
// one token costs one TokenReview and one SubjectAccessReview per action rather than one each per
// request. Entries expire after `ttlMs` (a revoked token or a removed RoleBinding takes effect
// within it); the oldest entries are dropped beyond `maxEntries`. Keys must never be tokens.
export interface ReviewCacheOptions {
  ttlMs: number;
  maxEntries: number;
  now?: () => number;
}

export class ReviewCache<T> {
  readonly #entries = new Map<string, { value: T; expiresAt: number }>();
  readonly #ttlMs: number;
  readonly #maxEntries: number;
  readonly #now: () => number;

  constructor({ ttlMs, maxEntries, now = Date.now }: ReviewCacheOptions) {
    this.#ttlMs = ttlMs;
    this.#maxEntries = maxEntries;
    this.#now = now;
  }

  get(key: string): T | undefined {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.#now()) {
      this.#entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  set(key: string, value: T): void {
    if (this.#ttlMs <= 0) return;
    this.#entries.delete(key);
    this.#entries.set(key, { value, expiresAt: this.#now() + this.#ttlMs });
    // a Map iterates in insertion order: the first keys are the oldest
    for (const oldest of this.#entries.keys()) {
      if (this.#entries.size <= this.#maxEntries) break;
      this.#entries.delete(oldest);
    }
  }

  get size(): number {
    return this.#entries.size;
  }
}
