// Bounds the silences inside a streamed answer. The SDKs' request timeout ends once the response
// headers arrive, so without this a stream that stalls would wait for the run's deadline.
import { ProviderError } from './provider-error.ts';

export class IdleGuard {
  /** The signal to hand the SDK: aborts with the caller's signal or after a silence. */
  readonly signal: AbortSignal;
  private readonly idle = new AbortController();
  private readonly idleMs: number | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(signal: AbortSignal, idleMs: number | undefined) {
    this.idleMs = idleMs;
    this.signal = idleMs === undefined ? signal : AbortSignal.any([signal, this.idle.signal]);
  }

  /** Something arrived: the silence starts again. */
  touch(): void {
    if (this.idleMs === undefined) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.idle.abort(), this.idleMs);
  }

  stop(): void {
    clearTimeout(this.timer);
  }

  /** What to report for `error`: the stall, when the guard ended the stream. */
  failure(error: unknown, label: string): unknown {
    return this.idle.signal.aborted ? this.stallError(label) : error;
  }

  /** Throws when the guard ended the stream (the SDKs end an aborted stream without an error). */
  throwIfStalled(label: string): void {
    if (this.idle.signal.aborted) throw this.stallError(label);
  }

  private stallError(label: string): ProviderError {
    return new ProviderError(
      'ProviderUnavailable',
      `${label} sent nothing for ${this.idleMs} ms in the middle of its answer`,
    );
  }
}
