// Runs one controller: a work queue of object keys, N workers calling its reconcile function, and
// controller-runtime's outcome contract — resolve to finish (optionally requeueing after a delay),
// throw to retry with per-key exponential backoff, throw a TerminalError to stop retrying.
import { K8sClawError } from '../api/errors.ts';
import { WorkQueue } from './work-queue.ts';

export interface Outcome {
  requeueAfterMs?: number;
}

export type Reconcile = (key: string) => Promise<Outcome | void>;

/** A failure retrying cannot fix (the reconciler has recorded it in status). */
export class TerminalError extends K8sClawError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('controller.Terminal', message, options);
  }
}

export interface ControllerObserver {
  reconciled?(
    controller: string,
    result: 'success' | 'requeue' | 'error' | 'terminal',
    seconds: number,
  ): void;
  queueDepth?(controller: string, depth: number): void;
  queueWait?(controller: string, seconds: number): void;
  failed?(controller: string, key: string, error: unknown, retryInMs: number | undefined): void;
}

export interface ControllerOptions {
  workers?: number;
  observer?: ControllerObserver;
}

export class Controller {
  readonly name: string;
  private readonly queue: WorkQueue;
  private readonly reconcile: Reconcile;
  private readonly workers: number;
  private readonly observer: ControllerObserver;
  private stopped = false;

  constructor(name: string, reconcile: Reconcile, options: ControllerOptions = {}) {
    this.name = name;
    this.reconcile = reconcile;
    this.workers = options.workers ?? 2;
    this.observer = options.observer ?? {};
    this.queue = new WorkQueue({
      onDepth: (depth) => this.observer.queueDepth?.(name, depth),
      onWait: (ms) => this.observer.queueWait?.(name, ms / 1000),
    });
  }

  enqueue(key: string): void {
    this.queue.add(key);
  }

  enqueueAfter(key: string, delayMs: number): void {
    this.queue.addAfter(key, delayMs);
  }

  /** Processes keys until `stop` aborts; resolves when every worker has finished its current key. */
  async run(stop: AbortSignal): Promise<void> {
    stop.addEventListener(
      'abort',
      () => {
        this.stopped = true;
        this.queue.shutDown();
      },
      { once: true },
    );
    await Promise.all(Array.from({ length: this.workers }, () => this.work()));
  }

  private async work(): Promise<void> {
    for (let key = await this.queue.get(); key !== undefined; key = await this.queue.get()) {
      // a reconcile answered from the caches never waits for I/O, and the queue hands out keys
      // through promises: without a turn of the event loop between keys, a long queue would starve
      // timers and I/O (the leader's Lease renewals, watches) until it is empty
      await new Promise<void>((resolve) => setImmediate(resolve));
      // stopped meanwhile (leadership lost): take no more work, not even this key
      if (this.stopped) {
        this.queue.done(key);
        break;
      }
      const started = performance.now();
      const seconds = () => (performance.now() - started) / 1000;
      try {
        const outcome = await this.reconcile(key);
        this.queue.forget(key);
        if (outcome?.requeueAfterMs !== undefined) {
          this.queue.addAfter(key, outcome.requeueAfterMs);
          this.observer.reconciled?.(this.name, 'requeue', seconds());
        } else {
          this.observer.reconciled?.(this.name, 'success', seconds());
        }
      } catch (error) {
        if (error instanceof TerminalError) {
          this.queue.forget(key);
          this.observer.reconciled?.(this.name, 'terminal', seconds());
          this.observer.failed?.(this.name, key, error, undefined);
        } else {
          const retryInMs = this.queue.addRateLimited(key);
          this.observer.reconciled?.(this.name, 'error', seconds());
          this.observer.failed?.(this.name, key, error, retryInMs);
        }
      } finally {
        this.queue.done(key);
      }
    }
  }
}
