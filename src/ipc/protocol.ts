// The /ipc file protocol between the agent runner and the IPC bridge, one module for both sides so
// names and formats cannot drift. Layout:
//   events/<seq>-<uuid>.json   one event body per file, `{ time, body }`, written by the runner
//   events/.published-<name>   the last event the bus confirmed, kept so its seq outlives it
//   events/rejected/           files the bridge could not use, kept for inspection
//   input/<seq>-<uuid>.json    one RunInput per file, written by the bridge, taken by the runner
//   input/.taken-<name>        an input the runner claimed (renamed) and has not finished reading
//   input/.closed              the runner's promise to take no input written after its next take
//   output/result.json         the RunResult, written once by the runner
//   output/.published          written by the bridge once the `completed` event is on the bus
//   history.json               the session's earlier turns (or why there are none), written by the
//                              bridge before it is ready, so before the runner starts; read once
// Every file appears by rename of a fully written, fsynced temp file; names starting with `.` are
// never read as pending, so a reader cannot see a partial file. This module does no policy (what
// to publish, when to retry): only names, formats and the atomic file operations.
//
// Input hand-over: the bus message of an input is acknowledged only if the runner reads the file.
// Both sides rely on rename, create and unlink of one directory entry being atomic:
//   runner, before it ends: create .closed, then list input/ and claim each file by renaming it.
//   bridge, after renaming a file into input/: if .closed exists, unlink the file; success means
//     the runner never claimed it (not acknowledged), ENOENT means it did (acknowledged).
// When the bridge saw no .closed, its file was in place before .closed was created, so the
// runner's take after closing lists and claims it. Exactly one of claim and unlink succeeds.
import { randomUUID } from 'node:crypto';
import { mkdir, open, readdir, rename, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Type, type Static } from '@sinclair/typebox';
import { runEventBodySchema, runInputSchema, runResultSchema, type RunInput } from '../api/run-events.ts';
import { historyMessageSchema } from '../api/run-history.ts';
import { compileMessageValidator, formatFieldErrors, type MessageCheck } from '../api/validation.ts';

export const ipcNames = {
  events: 'events',
  input: 'input',
  output: 'output',
  rejected: 'rejected',
  result: 'result.json',
  completedMarker: '.published',
  history: 'history.json',
  inputClosed: '.closed',
  /** Prefix of an input the runner has claimed; the bridge never touches these. */
  claimedPrefix: '.taken-',
  /** Prefix of the renamed last published event, which keeps the highest seq after a cleanup. */
  publishedPrefix: '.published-',
} as const;

export interface IpcLayout {
  root: string;
  events: string;
  eventsRejected: string;
  input: string;
  inputRejected: string;
  inputClosed: string;
  output: string;
  result: string;
  completedMarker: string;
  history: string;
}

export function ipcLayout(root: string): IpcLayout {
  const events = join(root, ipcNames.events);
  const input = join(root, ipcNames.input);
  const output = join(root, ipcNames.output);
  return {
    root,
    events,
    eventsRejected: join(events, ipcNames.rejected),
    input,
    inputRejected: join(input, ipcNames.rejected),
    inputClosed: join(input, ipcNames.inputClosed),
    output,
    result: join(output, ipcNames.result),
    completedMarker: join(output, ipcNames.completedMarker),
    history: join(root, ipcNames.history),
  };
}

/** Creates the directories; safe to call from both containers at once. */
export async function ensureIpcLayout(root: string): Promise<IpcLayout> {
  const layout = ipcLayout(root);
  for (const dir of [layout.eventsRejected, layout.inputRejected, layout.output]) {
    await mkdir(dir, { recursive: true });
  }
  return layout;
}

/** What an events/ file holds: the body plus when the runner emitted it. */
export const eventFileSchema = Type.Object({
  time: Type.String({ format: 'date-time' }),
  body: runEventBodySchema,
});
export type EventFile = Static<typeof eventFileSchema>;

/** Bigger than any valid file (the largest, a result, is well under 1 MiB even fully escaped). */
export const maxIpcFileBytes = 4 * 1024 * 1024;

const validateEventFile = compileMessageValidator(eventFileSchema);
const validateRunInput = compileMessageValidator(runInputSchema);
const validateRunResult = compileMessageValidator(runResultSchema);

/** `completed` is derived by the bridge from result.json, so an events/ file may not carry it. */
export function checkEventFile(value: unknown): MessageCheck<EventFile> {
  const check = validateEventFile(value);
  if (check.ok && check.value.body.type === 'completed') {
    return {
      ok: false,
      errors: [{ field: 'body.type', message: 'completed is written as output/result.json' }],
    };
  }
  return check;
}
/**
 * history.json: the session's earlier turns, oldest first, or why the run has none (`reason` is the
 * API server's refusal, or `NoAnswer` when nobody answered in time).
 */
export const historyFileSchema = Type.Union([
  Type.Object({ ok: Type.Literal(true), messages: Type.Array(historyMessageSchema) }),
  Type.Object({
    ok: Type.Literal(false),
    reason: Type.String({ minLength: 1, maxLength: 64 }),
    message: Type.String({ maxLength: 1024 }),
  }),
]);
export type HistoryFile = Static<typeof historyFileSchema>;
export const checkHistoryFile = compileMessageValidator(historyFileSchema);

/** Writes history.json atomically (into the /ipc root, so its temp file is hidden there). */
export async function writeHistoryFile(layout: IpcLayout, file: HistoryFile): Promise<void> {
  await writeFileAtomic(layout.root, ipcNames.history, JSON.stringify(file));
}

export const checkRunInput = validateRunInput;
export const checkRunResult = validateRunResult;

export interface IpcFile {
  name: string;
  seq: number;
  uuid: string;
}

const seqDigits = 12;
const fileNamePattern = /^(\d{12})-([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.json$/;

/** Fixed-width seq first, so lexical order of names is emit order. */
export function buildIpcFileName(seq: number, uuid: string = randomUUID()): string {
  return `${String(seq).padStart(seqDigits, '0')}-${uuid}.json`;
}

export function parseIpcFileName(name: string): IpcFile | undefined {
  const match = fileNamePattern.exec(name);
  if (!match?.[1] || !match[2]) return undefined;
  const seq = Number(match[1]);
  return seq >= 1 ? { name, seq, uuid: match[2] } : undefined;
}

/** Temp files, markers and anything else a writer has not published yet. */
export const isHiddenName = (name: string): boolean => name.startsWith('.');

export interface IpcListing {
  /** Files ready to read, in order. */
  pending: IpcFile[];
  /** Visible regular files that do not follow the naming scheme. */
  unknown: string[];
  /** Markers left by the bridge for published events (`.published-<name>`), in order. */
  published: IpcFile[];
  /** Inputs the runner claimed but did not finish (it died meanwhile), in order. */
  claimed: IpcFile[];
}

export async function listIpcDirectory(dir: string): Promise<IpcListing> {
  const listing: IpcListing = { pending: [], unknown: [], published: [], claimed: [] };
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (!entry.isFile()) continue;
    if (entry.name.startsWith(ipcNames.publishedPrefix)) {
      const file = parseIpcFileName(entry.name.slice(ipcNames.publishedPrefix.length));
      if (file) listing.published.push({ ...file, name: entry.name });
    } else if (entry.name.startsWith(ipcNames.claimedPrefix)) {
      const file = parseIpcFileName(entry.name.slice(ipcNames.claimedPrefix.length));
      if (file) listing.claimed.push({ ...file, name: entry.name });
    } else if (!isHiddenName(entry.name)) {
      const file = parseIpcFileName(entry.name);
      if (file) listing.pending.push(file);
      else listing.unknown.push(entry.name);
    }
  }
  const byName = (a: IpcFile, b: IpcFile) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
  listing.pending.sort(byName);
  listing.published.sort(byName);
  listing.claimed.sort(byName);
  listing.unknown.sort();
  return listing;
}

/** Only the pending files, in order. */
export async function listPending(dir: string): Promise<IpcFile[]> {
  return (await listIpcDirectory(dir)).pending;
}

/**
 * The highest seq ever used in `dir`: pending files, the published marker and rejected files, so
 * numbering continues after a restart even when everything was already published.
 */
export async function highestSeq(dir: string): Promise<number> {
  const listing = await listIpcDirectory(dir);
  let highest = 0;
  for (const file of [...listing.pending, ...listing.published, ...listing.claimed])
    highest = Math.max(highest, file.seq);
  let rejected: string[] = [];
  try {
    rejected = await readdir(join(dir, ipcNames.rejected));
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
  for (const name of rejected) highest = Math.max(highest, parseIpcFileName(name)?.seq ?? 0);
  return highest;
}

/** Writes `.<name>.tmp`, fsyncs it and renames it to `name`: readers see all of it or nothing. */
export async function writeFileAtomic(dir: string, name: string, data: string): Promise<void> {
  const temp = join(dir, `.${name}.tmp`);
  try {
    const handle = await open(temp, 'w');
    try {
      await handle.writeFile(data, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, join(dir, name));
  } catch (error) {
    await rm(temp, { force: true }).catch(() => undefined);
    throw error;
  }
}

export async function writeEventFile(eventsDir: string, seq: number, file: EventFile): Promise<IpcFile> {
  const uuid = randomUUID();
  const name = buildIpcFileName(seq, uuid);
  await writeFileAtomic(eventsDir, name, JSON.stringify(file));
  return { name, seq, uuid };
}

export async function writeInputFile(inputDir: string, seq: number, input: RunInput): Promise<IpcFile> {
  const uuid = randomUUID();
  const name = buildIpcFileName(seq, uuid);
  await writeFileAtomic(inputDir, name, JSON.stringify(input));
  return { name, seq, uuid };
}

export type FileRead<T> =
  | { kind: 'ok'; value: T }
  | { kind: 'invalid'; reason: string }
  /** Gone between listing and reading. */
  | { kind: 'missing' };

/** Reads and validates one JSON file; a bad file is a value, not an exception. */
export async function readIpcFile<T>(
  path: string,
  check: (value: unknown) => MessageCheck<T>,
): Promise<FileRead<T>> {
  let text: string;
  try {
    const handle = await open(path, 'r');
    try {
      const { size } = await handle.stat();
      if (size > maxIpcFileBytes) {
        return { kind: 'invalid', reason: `file is ${size} bytes, more than ${maxIpcFileBytes}` };
      }
      text = await handle.readFile('utf8');
    } finally {
      await handle.close();
    }
  } catch (error) {
    if (isNotFound(error)) return { kind: 'missing' };
    throw error;
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { kind: 'invalid', reason: `not JSON: ${error instanceof Error ? error.message : String(error)}` };
  }
  const checked = check(value);
  return checked.ok
    ? { kind: 'ok', value: checked.value }
    : { kind: 'invalid', reason: formatFieldErrors(checked.errors) };
}

/** Removes a file; one already gone counts as removed. */
export async function removeIpcFile(path: string): Promise<void> {
  await rm(path, { force: true });
}

/** Moves `dir/name` to `dir/rejected/name`, or deletes it when even that fails. */
export async function rejectIpcFile(dir: string, name: string): Promise<'moved' | 'removed'> {
  try {
    await mkdir(join(dir, ipcNames.rejected), { recursive: true });
    await rename(join(dir, name), join(dir, ipcNames.rejected, name));
    return 'moved';
  } catch {
    await removeIpcFile(join(dir, name));
    return 'removed';
  }
}

/** Removes leftover temp files of a writer that died mid-write (only their writer may call this). */
export async function removeTempFiles(dir: string): Promise<void> {
  for (const name of await readdir(dir)) {
    if (isHiddenName(name) && name.endsWith('.tmp')) await removeIpcFile(join(dir, name));
  }
}

/**
 * The runner takes `input/<name>` for itself by renaming it to `.taken-<name>`; undefined when it
 * is gone (the bridge withdrew it). Atomic, so the runner and the bridge never both own a file.
 */
export async function claimInputFile(inputDir: string, name: string): Promise<string | undefined> {
  const claimed = ipcNames.claimedPrefix + name;
  try {
    await rename(join(inputDir, name), join(inputDir, claimed));
    return claimed;
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

/** The runner's side of closing: after this, the bridge acknowledges only inputs it then claims. */
export async function closeInputs(layout: IpcLayout): Promise<void> {
  // Only its existence matters, so a plain create is atomic enough; no temp file in input/, whose
  // temp files belong to the bridge.
  await writeFile(layout.inputClosed, '');
}

export async function reopenInputs(layout: IpcLayout): Promise<void> {
  await removeIpcFile(layout.inputClosed);
}

/**
 * The bridge's last step of delivering `input/<name>`, after the file is in place. `withdrawn`: the
 * runner had closed its input and not claimed the file, which is now removed; the bus message must
 * not be acknowledged. `delivered`: the runner has taken it or will, before it ends.
 */
export async function settleInputFile(layout: IpcLayout, name: string): Promise<'delivered' | 'withdrawn'> {
  if (!(await fileExists(layout.inputClosed))) return 'delivered';
  try {
    await unlink(join(layout.input, name));
    return 'withdrawn';
  } catch (error) {
    if (isNotFound(error)) return 'delivered';
    throw error;
  }
}

export async function fileExists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (error) {
    if (isNotFound(error)) return false;
    throw error;
  }
}

function isNotFound(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
}
