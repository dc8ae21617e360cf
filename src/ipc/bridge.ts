// The IPC bridge: publishes what the runner writes to /ipc as run events, in file order, and
// delivers follow-up messages into /ipc/input. Delivery is at least once with stable ids, so the bus
// drops a republish after a crash: a file leaves the pending set only after the sink confirmed it,
// and `completed` is marked published only after the sink confirmed it. Nothing read from a file is
// trusted: bodies are validated and the identity is the bridge's own. A bad file is set aside,
// never allowed to block the stream. The bus itself is behind RunEventSink / RunInputSource.
import { rename, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  runEventLimits,
  runIdentitySchema,
  type RunEvent,
  type RunIdentity,
  type RunInput,
  type RunResult,
} from '../api/run-events.ts';
import { compileMessageValidator, formatFieldErrors } from '../api/validation.ts';
import { ChangeNotifier, watchDirectories, watchWithFs, type WatchDirectory } from './directory-watch.ts';
import { IpcError, ipcErrorCodes } from './ipc-error.ts';
import {
  checkEventFile,
  checkRunInput,
  checkRunResult,
  ensureIpcLayout,
  fileExists,
  highestSeq,
  ipcLayout,
  ipcNames,
  listIpcDirectory,
  readIpcFile,
  rejectIpcFile,
  removeIpcFile,
  removeTempFiles,
  settleInputFile,
  writeFileAtomic,
  writeInputFile,
  type IpcLayout,
} from './protocol.ts';

/** Where run events go (the event bus). `duplicate`: the bus already had an event with this id. */
export interface RunEventSink {
  publish(event: RunEvent): Promise<{ duplicate: boolean }>;
}

/**
 * Where follow-up messages come from. A message counts as delivered (acknowledged) only when
 * `handler` resolves; a rejection means "not delivered".
 */
export interface RunInputSource {
  consume(handler: (input: RunInput) => Promise<void>, options: { signal: AbortSignal }): Promise<void>;
}

export interface BridgeLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface BridgeRetryOptions {
  /** First delay after a failed publish (default 100 ms); doubles per attempt. */
  initialDelayMs?: number;
  /** Cap of the delay (default 5 s). Retries go on until success or the drain deadline. */
  maxDelayMs?: number;
  /** A publish not confirmed within this counts as failed and is retried (default 30 s). */
  publishTimeoutMs?: number;
}

export interface BridgeOptions {
  /** The /ipc directory. */
  dir: string;
  /** Stamped on every event; never taken from files. */
  identity: RunIdentity;
  sink: RunEventSink;
  inputs?: RunInputSource;
  /** Abort to shut down: a final rescan publishes everything pending, then runBridge resolves. */
  signal: AbortSignal;
  logger?: BridgeLogger;
  /** How often the directories are rescanned besides being watched (default 1 s). */
  rescanIntervalMs?: number;
  /** How long the final flush may take after `signal` aborted (default 20 s). */
  drainTimeoutMs?: number;
  retry?: BridgeRetryOptions;
  now?: () => Date;
  watchDirectory?: WatchDirectory;
}

export interface BridgeSummary {
  /** Events the sink accepted as new, `completed` included. */
  published: number;
  /** Events the sink already had (republished after a restart or a lost acknowledgement). */
  duplicates: number;
  /** Files set aside as invalid (and an invalid result, replaced by a failed one). */
  rejected: number;
  /** The `completed` event is on the bus, published by this bridge or an earlier one. */
  completedPublished: boolean;
  inputsDelivered: number;
  /** The final flush finished: nothing readable was left unpublished. */
  drained: boolean;
}

const silentLogger: BridgeLogger = { info: () => undefined, warn: () => undefined, error: () => undefined };
const validateIdentity = compileMessageValidator(runIdentitySchema);
const stopped = Symbol('stopped');

/** Runs the bridge until `signal` aborts and the final flush is done. */
export async function runBridge(options: BridgeOptions): Promise<BridgeSummary> {
  const identity = validateIdentity(options.identity);
  if (!identity.ok) {
    throw new IpcError(
      ipcErrorCodes.invalidIdentity,
      `invalid run identity: ${formatFieldErrors(identity.errors)}`,
    );
  }
  return new IpcBridge(options).run();
}

class IpcBridge {
  private readonly options: BridgeOptions;
  private readonly logger: BridgeLogger;
  private readonly rescanIntervalMs: number;
  private readonly drainTimeoutMs: number;
  private readonly initialDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly publishTimeoutMs: number;
  private readonly now: () => Date;
  private readonly notifier = new ChangeNotifier();
  /** Fires at the drain deadline: pending publishes and retries give up. */
  private readonly deadline = new AbortController();
  /** Fires on shutdown or once the run has its result: no runner will read new inputs. */
  private readonly inputsStop = new AbortController();
  private readonly summary: BridgeSummary = {
    published: 0,
    duplicates: 0,
    rejected: 0,
    completedPublished: false,
    inputsDelivered: 0,
    drained: false,
  };
  private readonly layout: IpcLayout;
  private resultRejected = false;
  private inputSeq = 0;
  private inputWrites: Promise<unknown> = Promise.resolve();

  constructor(options: BridgeOptions) {
    this.options = options;
    this.logger = options.logger ?? silentLogger;
    this.rescanIntervalMs = options.rescanIntervalMs ?? 1000;
    this.drainTimeoutMs = options.drainTimeoutMs ?? 20_000;
    this.initialDelayMs = options.retry?.initialDelayMs ?? 100;
    this.maxDelayMs = options.retry?.maxDelayMs ?? 5000;
    this.publishTimeoutMs = options.retry?.publishTimeoutMs ?? 30_000;
    this.now = options.now ?? (() => new Date());
    this.layout = ipcLayout(options.dir);
  }

  async run(): Promise<BridgeSummary> {
    const { signal, identity } = this.options;
    const layout = await ensureIpcLayout(this.options.dir);
    // The bridge is the only writer of input/: its leftover temp files are garbage.
    await removeTempFiles(layout.input);
    this.inputSeq = await highestSeq(layout.input);
    this.summary.completedPublished = await fileExists(layout.completedMarker);

    let drainTimer: NodeJS.Timeout | undefined;
    const onAbort = () => {
      this.inputsStop.abort();
      drainTimer = setTimeout(() => this.deadline.abort(), this.drainTimeoutMs);
      this.notifier.notify();
    };
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });

    const watcher = watchDirectories(
      [layout.events, layout.output],
      this.options.watchDirectory ?? watchWithFs,
      this.notifier.notify,
      (dir, error) =>
        this.logger.warn({ err: error, dir }, 'watching an /ipc directory failed; rescanning only'),
    );
    const inputs =
      this.options.inputs && !this.summary.completedPublished
        ? this.consumeInputs(this.options.inputs)
        : Promise.resolve();
    this.logger.info({ dir: layout.root, run: identity.run, runUid: identity.runUid }, 'ipc bridge started');

    try {
      while (!signal.aborted) {
        if (await this.pass()) await this.notifier.wait(this.rescanIntervalMs, signal);
        else await pause(this.rescanIntervalMs, signal);
      }
      // The runner has exited by now: this last rescan publishes its final events and result.
      this.summary.drained = await this.pass();
    } finally {
      watcher.close();
      this.inputsStop.abort();
      await untilAborted(inputs, this.deadline.signal);
      clearTimeout(drainTimer);
      signal.removeEventListener('abort', onAbort);
    }
    this.logger.info({ ...this.summary }, 'ipc bridge stopped');
    return { ...this.summary };
  }

  /** Publishes every pending event in order, then the result. False when something is left. */
  private async pass(): Promise<boolean> {
    const layout = this.layout;
    try {
      // Checked before listing: every event emitted before the result is then in the listing.
      const resultReady = !this.summary.completedPublished && (await fileExists(layout.result));
      if (resultReady) this.inputsStop.abort();
      const listing = await listIpcDirectory(layout.events);
      for (const name of listing.unknown) {
        await this.reject(layout.events, name, 'name is not <seq>-<uuid>.json');
      }
      // One marker is enough: it only has to carry the highest published seq.
      let marker = listing.published.at(-1)?.name;
      for (const old of listing.published.slice(0, -1)) await removeIpcFile(join(layout.events, old.name));
      for (const file of listing.pending) {
        if (this.summary.completedPublished) {
          await this.reject(layout.events, file.name, 'written after the completed event');
          continue;
        }
        const read = await readIpcFile(join(layout.events, file.name), checkEventFile);
        if (read.kind === 'missing') continue;
        if (read.kind === 'invalid') {
          await this.reject(layout.events, file.name, read.reason);
          continue;
        }
        const event: RunEvent = {
          id: `${this.options.identity.runUid}:${file.uuid}`,
          seq: file.seq,
          time: read.value.time,
          identity: this.options.identity,
          body: read.value.body,
        };
        if (!(await this.publish(event))) return false;
        // Renamed rather than deleted so the highest seq survives for a restarted runner.
        const next = ipcNames.publishedPrefix + file.name;
        await rename(join(layout.events, file.name), join(layout.events, next));
        if (marker !== undefined && marker < next) await removeIpcFile(join(layout.events, marker));
        if (marker === undefined || marker < next) marker = next;
      }
      return resultReady ? await this.publishCompleted() : true;
    } catch (error) {
      this.logger.error({ err: error }, 'ipc bridge pass failed; retrying at the next rescan');
      return false;
    }
  }

  private async publishCompleted(): Promise<boolean> {
    const layout = this.layout;
    const read = await readIpcFile(layout.result, checkRunResult);
    if (read.kind === 'missing') return true;
    let result: RunResult;
    if (read.kind === 'ok') {
      result = read.value;
    } else {
      // A run must end on the bus even when its result is broken, or it waits for the watchdog.
      if (!this.resultRejected) {
        this.resultRejected = true;
        this.summary.rejected++;
        this.logger.error(
          { reason: read.reason },
          'output/result.json is invalid; publishing a failed result',
        );
      }
      result = {
        status: 'failed',
        reason: 'RunnerError',
        error: `invalid result.json: ${read.reason}`.slice(0, runEventLimits.error),
        usage: { input: 0, output: 0 },
        toolCalls: 0,
        memoryUpdates: [],
      };
    }
    // Both derived from files, so a republish after a restart carries the same seq and time.
    const { mtime } = await stat(layout.result);
    const seq = (await highestSeq(layout.events)) + 1;
    const event: RunEvent = {
      id: `${this.options.identity.runUid}:completed`,
      seq,
      time: mtime.toISOString(),
      identity: this.options.identity,
      body: { type: 'completed', result },
    };
    if (!(await this.publish(event))) return false;
    await writeFileAtomic(
      layout.output,
      ipcNames.completedMarker,
      JSON.stringify({ id: event.id, seq, publishedAt: this.now().toISOString() }),
    );
    this.summary.completedPublished = true;
    this.logger.info({ eventId: event.id, seq, status: result.status }, 'run completed event published');
    return true;
  }

  /** Publishes one event, retrying with capped backoff; false only at the drain deadline. */
  private async publish(event: RunEvent): Promise<boolean> {
    const deadline = this.deadline.signal;
    for (let attempt = 1; !deadline.aborted; attempt++) {
      try {
        const timeout = AbortSignal.timeout(this.publishTimeoutMs);
        const outcome = await untilAborted(
          Promise.resolve().then(() => this.options.sink.publish(event)),
          AbortSignal.any([deadline, timeout]),
        );
        if (outcome === stopped) {
          if (deadline.aborted) break;
          // Safe to retry: the same id makes a late first attempt and the retry one message.
          throw new IpcError(ipcErrorCodes.publishTimeout, `no confirmation in ${this.publishTimeoutMs} ms`);
        }
        if (outcome.duplicate) this.summary.duplicates++;
        else this.summary.published++;
        return true;
      } catch (error) {
        const delayMs = this.backoff(attempt);
        this.logger.warn(
          { err: error, eventId: event.id, seq: event.seq, attempt, delayMs },
          'publishing a run event failed; retrying',
        );
        if (!(await pause(delayMs, deadline))) break;
      }
    }
    this.logger.error({ eventId: event.id, seq: event.seq }, 'drain deadline passed; event left unpublished');
    return false;
  }

  private async reject(dir: string, name: string, reason: string): Promise<void> {
    const outcome = await rejectIpcFile(dir, name);
    this.summary.rejected++;
    this.logger.warn(
      { file: name, reason },
      outcome === 'moved' ? 'invalid /ipc file moved to rejected/' : 'invalid /ipc file removed',
    );
  }

  private async consumeInputs(source: RunInputSource): Promise<void> {
    const { signal } = this.inputsStop;
    for (let attempt = 1; !signal.aborted; attempt++) {
      try {
        await source.consume((input) => this.deliver(input), { signal });
        if (signal.aborted) return;
        this.logger.warn({ attempt }, 'input consumer ended early; restarting it');
      } catch (error) {
        if (signal.aborted) return;
        this.logger.error({ err: error, attempt }, 'consuming run inputs failed; restarting');
      }
      if (!(await pause(this.backoff(attempt), signal))) return;
    }
  }

  /**
   * Resolves once the input file is in place and the runner has not closed input/ without taking
   * it, so the bus acknowledges only inputs the runner reads.
   */
  private deliver(input: RunInput): Promise<void> {
    const layout = this.layout;
    const run = this.inputWrites.then(async () => {
      const check = checkRunInput(input);
      if (!check.ok) {
        // Redelivering cannot fix it: acknowledge and drop.
        this.logger.warn({ reason: formatFieldErrors(check.errors) }, 'invalid run input dropped');
        return;
      }
      if (this.inputsStop.signal.aborted || (await fileExists(layout.result))) {
        throw new IpcError(ipcErrorCodes.runFinished, 'the run has ended; input not delivered');
      }
      const file = await writeInputFile(layout.input, ++this.inputSeq, check.value);
      if ((await settleInputFile(layout, file.name)) === 'withdrawn') {
        throw new IpcError(ipcErrorCodes.runFinished, 'the runner closed its input; input not delivered');
      }
      this.summary.inputsDelivered++;
      this.logger.info({ inputId: check.value.id, file: file.name }, 'run input delivered');
    });
    this.inputWrites = run.catch(() => undefined);
    return run;
  }

  private backoff(attempt: number): number {
    const capped = Math.min(this.maxDelayMs, this.initialDelayMs * 2 ** Math.min(attempt - 1, 30));
    // Jitter keeps many bridges from retrying in step after a bus outage.
    return Math.min(this.maxDelayMs, Math.round(capped * (0.8 + Math.random() * 0.4)));
  }
}

/** Settles like `promise`, or with `stopped` once `signal` aborts (the promise is abandoned). */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T | typeof stopped> {
  if (signal.aborted) {
    promise.catch(() => undefined);
    return Promise.resolve(stopped);
  }
  return new Promise((resolve, reject) => {
    const onAbort = () => resolve(stopped);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

/** Waits `ms`; false when `signal` aborted first. */
async function pause(ms: number, signal: AbortSignal): Promise<boolean> {
  try {
    await sleep(ms, undefined, { signal });
    return true;
  } catch {
    return false;
  }
}
