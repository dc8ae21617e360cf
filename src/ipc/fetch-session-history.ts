// The bridge's side of a run's session history: ask (through the injected `ask`, the bus) until an
// answer that will not change, or until the time is up, then write history.json, before the bridge
// reports ready and so before the agent starts. Never fatal: a run without its history still runs,
// and the file says why it has none, so the runner can show it as a run event.
import { setTimeout as sleep } from 'node:timers/promises';
import type { RunHistoryReply } from '../api/run-history.ts';
import { writeHistoryFile, type HistoryFile, type IpcLayout } from './protocol.ts';

export interface FetchHistoryOptions {
  /** One attempt; throws when nobody answered (retried), resolves with the API server's reply. */
  ask: (attemptTimeoutMs: number) => Promise<RunHistoryReply>;
  /** How long to keep asking in all. */
  timeoutMs: number;
  /** The most one attempt waits for its answer. */
  attemptTimeoutMs?: number;
  logger: { info(fields: object, message: string): void; warn(fields: object, message: string): void };
  signal?: AbortSignal;
  now?: () => number;
}

/** Asks until a final answer or the deadline; what to write to history.json. */
export async function fetchSessionHistory(options: FetchHistoryOptions): Promise<HistoryFile> {
  const now = options.now ?? Date.now;
  const deadline = now() + options.timeoutMs;
  const attemptTimeoutMs = options.attemptTimeoutMs ?? 5_000;
  let last = 'no answer';
  for (let attempt = 1, delayMs = 250; ; attempt += 1, delayMs = Math.min(delayMs * 2, 4_000)) {
    const remaining = deadline - now();
    if (remaining <= 0 || options.signal?.aborted) break;
    try {
      const reply = await options.ask(Math.max(1, Math.min(attemptTimeoutMs, remaining)));
      // only an unavailable store or kube-apiserver may answer differently later
      if (reply.ok || reply.reason !== 'Unavailable') return reply;
      last = `${reply.reason}: ${reply.message}`;
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    options.logger.warn({ attempt, reason: last }, 'no session history yet; asking again');
    const wait = Math.min(delayMs, deadline - now());
    if (wait > 0)
      await sleep(wait, undefined, options.signal ? { signal: options.signal } : {}).catch(() => undefined);
  }
  return {
    ok: false,
    reason: 'NoAnswer',
    message: `no history within ${Math.round(options.timeoutMs / 1000)} s (${last})`.slice(0, 1024),
  };
}

/** Fetches and writes history.json; returns what was written. */
export async function provideSessionHistory(
  layout: IpcLayout,
  options: FetchHistoryOptions,
): Promise<HistoryFile> {
  const file = await fetchSessionHistory(options);
  await writeHistoryFile(layout, file);
  if (file.ok) options.logger.info({ messages: file.messages.length }, 'session history provided');
  else
    options.logger.warn(
      { reason: file.reason, message: file.message },
      'the run starts without its session history',
    );
  return file;
}
