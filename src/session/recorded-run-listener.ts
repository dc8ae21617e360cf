// Wakes whoever waits for a run to be recorded, at once: recordRun notifies the channel
// `k8sclaw_run_recorded` with the run's uid in its transaction (PostgreSQL delivers it at commit, to
// every API server replica), and one LISTEN connection per process hands each notification to the
// waiters of that uid. It is an accelerator only: a waiter still wakes after its interval, so a
// notification missed while the connection was away (it reconnects with a growing delay) costs
// latency, never a reply.
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';

export const runRecordedChannel = 'k8sclaw_run_recorded';

export interface RecordedRunListenerOptions {
  databaseUrl: string;
  connectTimeoutMs?: number;
  /** First delay before reconnecting after the connection was lost (doubled up to 30 s). */
  reconnectDelayMs?: number;
}

export class RecordedRunListener {
  private readonly options: RecordedRunListenerOptions;
  private readonly waiters = new Map<string, Set<() => void>>();
  private client: pg.Client | undefined;
  private connecting: Promise<void> | undefined;
  private closed = false;

  constructor(options: RecordedRunListenerOptions) {
    this.options = options;
  }

  /** Resolves once the run is recorded, after `ms`, or when `signal` aborts, whichever comes first. */
  async wait(runUid: string, ms: number, signal: AbortSignal): Promise<void> {
    if (!this.closed) this.connecting ??= this.connect();
    let wake: () => void = () => undefined;
    const woken = new Promise<void>((resolve) => (wake = resolve));
    const waiters = this.waiters.get(runUid) ?? new Set();
    waiters.add(wake);
    this.waiters.set(runUid, waiters);
    const timer = new AbortController();
    const stop = () => timer.abort();
    signal.addEventListener('abort', stop, { once: true });
    try {
      await Promise.race([woken, sleep(ms, undefined, { signal: timer.signal }).catch(() => undefined)]);
    } finally {
      timer.abort();
      signal.removeEventListener('abort', stop);
      waiters.delete(wake);
      if (waiters.size === 0) this.waiters.delete(runUid);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  /** Connects and listens; after a loss, tries again with a growing delay until closed. */
  private async connect(): Promise<void> {
    let delay = this.options.reconnectDelayMs ?? 1000;
    while (!this.closed) {
      const client = new pg.Client({
        connectionString: this.options.databaseUrl,
        connectionTimeoutMillis: this.options.connectTimeoutMs ?? 3000,
        keepAlive: true,
        application_name: 'k8sclaw-listen',
      });
      const lost = new Promise<void>((resolve) => {
        client.on('error', () => resolve());
        client.on('end', () => resolve());
      });
      try {
        await client.connect();
        await client.query(`LISTEN ${runRecordedChannel}`);
        client.on('notification', (message) => {
          if (message.channel !== runRecordedChannel || !message.payload) return;
          for (const wake of this.waiters.get(message.payload) ?? []) wake();
        });
        this.client = client;
        delay = this.options.reconnectDelayMs ?? 1000;
        await lost;
      } catch {
        // not reachable now: waiters fall back to their interval meanwhile
      }
      this.client = undefined;
      await client.end().catch(() => undefined);
      if (this.closed) break;
      await sleep(delay);
      delay = Math.min(delay * 2, 30_000);
    }
  }
}
