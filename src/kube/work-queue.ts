// The controllers' work queue, with controller-runtime's guarantees: a key waits in the queue at
// most once (de-duplicated), is never handed to two workers at once (a key added while it is being
// processed is queued again when that processing is done), can be delayed, and failed keys come
// back with per-key exponential backoff until forgotten, limited overall by a token bucket (the
// larger of the two delays wins, as client-go's default controller rate limiter). A key has at most
// one pending delayed add: the earliest wins, so a reconciler that requeues on every event does not
// pile up timers. Once shut down the queue hands out no more keys, so a controller that lost
// leadership stops working at once. Time is injected for tests.
import { TokenBucket } from './token-bucket.ts';

export type QueueTimer = { unref?: () => void } | number;

export interface QueueClock {
  now(): number;
  setTimeout(callback: () => void, ms: number): QueueTimer;
  clearTimeout(timer: QueueTimer): void;
}

const realClock: QueueClock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (timer) => clearTimeout(timer as NodeJS.Timeout),
};

export interface WorkQueueOptions {
  baseBackoffMs?: number;
  maxBackoffMs?: number;
  /** The overall limit on rate-limited re-adds, across all keys (client-go: 10/s, burst 100). */
  retriesPerSecond?: number;
  retryBurst?: number;
  clock?: QueueClock;
  /** Observes depth and how long keys waited, for metrics. */
  onDepth?: (depth: number) => void;
  onWait?: (ms: number) => void;
}

export class WorkQueue {
  private readonly queue: string[] = [];
  private readonly queued = new Set<string>();
  private readonly processing = new Set<string>();
  /** Keys added while they were being processed. */
  private readonly dirty = new Set<string>();
  private readonly addedAt = new Map<string, number>();
  private readonly failures = new Map<string, number>();
  /** The one pending delayed add per key. */
  private readonly delayed = new Map<string, { at: number; timer: QueueTimer }>();
  private readonly retryBucket: TokenBucket;
  private readonly waiters: ((key: string | undefined) => void)[] = [];
  private shuttingDown = false;
  private readonly options: Required<
    Omit<WorkQueueOptions, 'onDepth' | 'onWait' | 'retriesPerSecond' | 'retryBurst'>
  > &
    Pick<WorkQueueOptions, 'onDepth' | 'onWait'>;

  constructor(options: WorkQueueOptions = {}) {
    this.options = {
      baseBackoffMs: options.baseBackoffMs ?? 100,
      maxBackoffMs: options.maxBackoffMs ?? 300_000,
      clock: options.clock ?? realClock,
      onDepth: options.onDepth,
      onWait: options.onWait,
    };
    this.retryBucket = new TokenBucket({
      perSecond: options.retriesPerSecond ?? 10,
      burst: options.retryBurst ?? 100,
    });
  }

  get length(): number {
    return this.queue.length;
  }

  add(key: string): void {
    if (this.shuttingDown) return;
    if (this.processing.has(key)) {
      this.dirty.add(key);
      return;
    }
    if (this.queued.has(key)) return;
    const waiter = this.waiters.shift();
    if (waiter) {
      this.processing.add(key);
      this.options.onWait?.(0);
      waiter(key);
      return;
    }
    this.queued.add(key);
    this.queue.push(key);
    this.addedAt.set(key, this.options.clock.now());
    this.options.onDepth?.(this.queue.length);
  }

  /** Adds the key after a delay; of several pending delays for one key the earliest wins. */
  addAfter(key: string, delayMs: number): void {
    if (this.shuttingDown) return;
    if (delayMs <= 0) return this.add(key);
    const { clock } = this.options;
    const at = clock.now() + delayMs;
    const pending = this.delayed.get(key);
    if (pending) {
      if (pending.at <= at) return;
      clock.clearTimeout(pending.timer);
    }
    const timer = clock.setTimeout(() => {
      this.delayed.delete(key);
      this.add(key);
    }, delayMs);
    if (typeof timer === 'object') timer.unref?.();
    this.delayed.set(key, { at, timer });
  }

  /** Keys waiting for a delayed add. */
  get delayedLength(): number {
    return this.delayed.size;
  }

  /**
   * Re-queues after the key's next backoff step (100 ms, 200 ms, 400 ms … up to the maximum), or
   * later when retries across all keys exceed the overall rate.
   */
  addRateLimited(key: string): number {
    const failures = this.failures.get(key) ?? 0;
    this.failures.set(key, failures + 1);
    const backoff = Math.min(this.options.baseBackoffMs * 2 ** failures, this.options.maxBackoffMs);
    const delay = Math.max(backoff, this.retryBucket.reserve(this.options.clock.now()));
    this.addAfter(key, delay);
    return delay;
  }

  /** Resets the key's backoff after a successful reconcile. */
  forget(key: string): void {
    this.failures.delete(key);
  }

  failuresOf(key: string): number {
    return this.failures.get(key) ?? 0;
  }

  /** The next key to process, or undefined once the queue shuts down (queued keys are dropped). */
  async get(): Promise<string | undefined> {
    if (this.shuttingDown) return undefined;
    const key = this.queue.shift();
    if (key !== undefined) {
      this.queued.delete(key);
      this.processing.add(key);
      const added = this.addedAt.get(key);
      this.addedAt.delete(key);
      if (added !== undefined) this.options.onWait?.(this.options.clock.now() - added);
      this.options.onDepth?.(this.queue.length);
      return key;
    }
    if (this.shuttingDown) return undefined;
    return await new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Marks the key's processing finished; a key added meanwhile is queued again now. */
  done(key: string): void {
    this.processing.delete(key);
    if (this.dirty.delete(key)) this.add(key);
  }

  shutDown(): void {
    this.shuttingDown = true;
    for (const { timer } of this.delayed.values()) this.options.clock.clearTimeout(timer);
    this.delayed.clear();
    for (const waiter of this.waiters.splice(0)) waiter(undefined);
  }
}
