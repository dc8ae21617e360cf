// The agent runner's side of /ipc: emit events, write the result once, take follow-up messages.
// Writes are serialised so files appear in call order and the result always comes after every
// event emitted before it. The runner never writes `completed`: the bridge derives it from the
// result, so there is one source for the run's final word.
import { join } from 'node:path';
import type { RunEventBody, RunInput, RunResult } from '../api/run-events.ts';
import { formatFieldErrors } from '../api/validation.ts';
import { ChangeNotifier, watchDirectories, watchWithFs, type WatchDirectory } from './directory-watch.ts';
import { IpcError, ipcErrorCodes } from './ipc-error.ts';
import {
  checkEventFile,
  checkHistoryFile,
  checkRunInput,
  checkRunResult,
  claimInputFile,
  closeInputs,
  ensureIpcLayout,
  fileExists,
  highestSeq,
  ipcNames,
  listIpcDirectory,
  readIpcFile,
  rejectIpcFile,
  removeIpcFile,
  removeTempFiles,
  reopenInputs,
  writeEventFile,
  writeFileAtomic,
  type HistoryFile,
  type IpcLayout,
} from './protocol.ts';

export interface RunnerIpcOptions {
  /** The /ipc directory. */
  dir: string;
  now?: () => Date;
  /** How often watchInputs rescans input/ besides watching it. */
  rescanIntervalMs?: number;
  watchDirectory?: WatchDirectory;
}

export interface EmittedEvent {
  seq: number;
  /** The file name in events/. */
  name: string;
}

export interface RunnerIpc {
  /** Writes the next event; resolves once its file is in place. */
  emit(body: RunEventBody): Promise<EmittedEvent>;
  /** Closes input/, then writes output/result.json once, after every event emitted before it. */
  writeResult(result: RunResult): Promise<void>;
  /** Reads and removes the pending follow-up messages, oldest first. */
  takeInputs(): Promise<RunInput[]>;
  /**
   * Closes input/, then takes. Empty: input/ stays closed and the bridge acknowledges no later
   * input, so the run may end. Otherwise input/ is reopened and the caller goes on with them.
   */
  takeInputsOrClose(): Promise<RunInput[]>;
  /** After this the bridge acknowledges only inputs that a later takeInputs takes. */
  closeInputs(): Promise<void>;
  reopenInputs(): Promise<void>;
  /**
   * The session history the bridge provided before the runner started: undefined when the run has
   * no session (no file); an unusable file reads as a history that could not be had.
   */
  readHistory(): Promise<HistoryFile | undefined>;
  /** Hands every follow-up message to `onInput`, in order, until `signal` aborts. */
  watchInputs(onInput: (input: RunInput) => void | Promise<void>, signal: AbortSignal): Promise<void>;
}

/** Input ids remembered to drop redeliveries (the bus delivers at least once). */
const rememberedInputIds = 1024;

export function createRunnerIpc(options: RunnerIpcOptions): RunnerIpc {
  const now = options.now ?? (() => new Date());
  const rescanIntervalMs = options.rescanIntervalMs ?? 1000;
  const watchDirectory = options.watchDirectory ?? watchWithFs;

  let ready: Promise<{ layout: IpcLayout }> | undefined;
  let nextSeq = 1;
  let finished = false;
  const seenInputIds = new Set<string>();

  // Continues numbering after a restart and clears temp files of a write that died with it.
  const load = async () => {
    const layout = await ensureIpcLayout(options.dir);
    await removeTempFiles(layout.events);
    nextSeq = (await highestSeq(layout.events)) + 1;
    finished = await fileExists(layout.result);
    // A restarted runner goes on taking inputs; it closes again before it ends.
    if (!finished) await reopenInputs(layout);
    return { layout };
  };
  const init = () =>
    (ready ??= load().catch((error: unknown) => {
      ready = undefined;
      throw error;
    }));

  let writes: Promise<unknown> = Promise.resolve();
  const serialise = <T>(task: () => Promise<T>): Promise<T> => {
    const run = writes.then(task);
    writes = run.catch(() => undefined);
    return run;
  };
  let takes: Promise<unknown> = Promise.resolve();
  const serialiseTake = <T>(task: () => Promise<T>): Promise<T> => {
    const run = takes.then(task);
    takes = run.catch(() => undefined);
    return run;
  };

  const finishedError = () =>
    new IpcError(ipcErrorCodes.runFinished, `the run's result is already in ${ipcNames.output}/`);

  const takeInputs = () =>
    serialiseTake(async () => {
      const { layout } = await init();
      const inputs: RunInput[] = [];
      const listing = await listIpcDirectory(layout.input);
      for (const name of listing.unknown) await rejectIpcFile(layout.input, name);
      // Claimed ones were left by a runner that died reading them: older than anything pending.
      const claimed = listing.claimed.map((file) => file.name);
      for (const file of listing.pending) {
        const name = await claimInputFile(layout.input, file.name);
        if (name) claimed.push(name);
      }
      for (const name of claimed) {
        const read = await readIpcFile(join(layout.input, name), checkRunInput);
        if (read.kind === 'invalid') {
          await rejectIpcFile(layout.input, name);
          continue;
        }
        await removeIpcFile(join(layout.input, name));
        if (read.kind === 'missing' || seenInputIds.has(read.value.id)) continue;
        seenInputIds.add(read.value.id);
        if (seenInputIds.size > rememberedInputIds) {
          seenInputIds.delete(seenInputIds.values().next().value as string);
        }
        inputs.push(read.value);
      }
      return inputs;
    });

  const closeInputDir = () =>
    serialiseTake(async () => {
      await closeInputs((await init()).layout);
    });
  const reopenInputDir = () =>
    serialiseTake(async () => {
      await reopenInputs((await init()).layout);
    });
  const takeInputsOrClose = async () => {
    await closeInputDir();
    const inputs = await takeInputs();
    if (inputs.length > 0) await reopenInputDir();
    return inputs;
  };

  return {
    async readHistory() {
      const { layout } = await init();
      const read = await readIpcFile(layout.history, checkHistoryFile);
      if (read.kind === 'missing') return undefined;
      if (read.kind === 'invalid') {
        return { ok: false, reason: 'Invalid', message: `history.json: ${read.reason}`.slice(0, 1024) };
      }
      return read.value;
    },
    emit(body) {
      const file = { time: now().toISOString(), body };
      const check = checkEventFile(file);
      if (!check.ok) {
        return Promise.reject(
          new IpcError(ipcErrorCodes.invalidEvent, `invalid run event: ${formatFieldErrors(check.errors)}`),
        );
      }
      return serialise(async () => {
        const { layout } = await init();
        if (finished) throw finishedError();
        const seq = nextSeq++;
        const { name } = await writeEventFile(layout.events, seq, file);
        return { seq, name };
      });
    },

    writeResult(result) {
      const check = checkRunResult(result);
      if (!check.ok) {
        return Promise.reject(
          new IpcError(ipcErrorCodes.invalidResult, `invalid run result: ${formatFieldErrors(check.errors)}`),
        );
      }
      return serialise(async () => {
        const { layout } = await init();
        if (finished || (await fileExists(layout.result))) throw finishedError();
        // Inputs arriving from now on stay on the bus instead of waiting here for nobody.
        await closeInputs(layout);
        await writeFileAtomic(layout.output, ipcNames.result, JSON.stringify(result));
        finished = true;
      });
    },

    takeInputs,
    takeInputsOrClose,
    closeInputs: closeInputDir,
    reopenInputs: reopenInputDir,

    async watchInputs(onInput, signal) {
      const { layout } = await init();
      const notifier = new ChangeNotifier();
      // A failed watch leaves the rescan, which is enough to deliver every file.
      const watcher = watchDirectories([layout.input], watchDirectory, notifier.notify, () => undefined);
      try {
        while (!signal.aborted) {
          // Taken files are already removed: deliver all of them even if aborted meanwhile.
          for (const input of await takeInputs()) await onInput(input);
          await notifier.wait(rescanIntervalMs, signal);
        }
      } finally {
        watcher.close();
      }
    },
  };
}
