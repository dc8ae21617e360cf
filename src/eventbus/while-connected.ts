// The loop every long-lived consumer of the bus runs: connect, get ready, consume until the signal
// aborts; when the bus is lost (connecting, getting ready or consuming throws) close what is left
// and try again after a delay that doubles from 1 s up to a maximum and starts over once a
// connection is ready. Losing the bus is never fatal: durable consumers resume where they were.
import type { EventBus } from './event-bus.ts';

export interface WhileConnectedOptions {
  connect: () => Promise<EventBus>;
  /** Runs on each new connection before `consume` (e.g. making sure the streams exist). */
  ready?: (bus: EventBus) => Promise<void>;
  /** Consumes until the signal aborts or the bus is lost (then it throws). */
  consume: (bus: EventBus) => Promise<void>;
  signal: AbortSignal;
  /** Told each time the bus was lost, with the delay before the next attempt. */
  onLost: (error: unknown, retryInMs: number) => void;
  maxDelayMs?: number;
}

export async function whileConnected(options: WhileConnectedOptions): Promise<void> {
  const { signal } = options;
  const maxDelayMs = options.maxDelayMs ?? 30_000;
  for (let delayMs = 1000; !signal.aborted; delayMs = Math.min(delayMs * 2, maxDelayMs)) {
    let bus: EventBus | undefined;
    try {
      bus = await options.connect();
      await options.ready?.(bus);
      delayMs = 1000;
      await options.consume(bus);
    } catch (error) {
      if (signal.aborted) break;
      options.onLost(error, delayMs);
    } finally {
      await bus?.close().catch(() => undefined);
    }
    if (!signal.aborted) await sleep(delayMs, signal);
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
  });
}
