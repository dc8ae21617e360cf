// execute_command: runs a shell command in the sandbox container through the exec directory both
// share (the protocol is in src/orchestrator/sandbox-exec.ts). The sandbox runs whatever the model
// asks for, so everything it leaves in the directory is untrusted: result files are opened without
// following symbolic links, must be regular files, and are read only up to a bound.
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { open, rename, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  sandboxExecDir,
  sandboxExecFiles,
  sandboxExecKillGraceSeconds,
  sandboxExecTimedOutExitCode,
  sandboxExecTimeoutHeader,
} from '../../orchestrator/index.ts';
import { toolError, toolOk, type Tool, type ToolResult } from './tool.ts';

export interface ExecuteCommandArgs {
  command: string;
  timeout_seconds?: number;
}

export interface SandboxExecOptions {
  execDir?: string;
  defaultTimeoutSeconds?: number;
  maxTimeoutSeconds?: number;
  /** Bytes of stdout and of stderr shown, each. */
  maxOutputBytes?: number;
  /** How long the sandbox may take to pick a request up before it is reported as not running. */
  pickupTimeoutMs?: number;
  /** Beyond the command's timeout, how long to wait for the sandbox to report back. */
  graceMs?: number;
  pollIntervalMs?: number;
}

export const defaultCommandTimeoutSeconds = 120;
export const defaultMaxCommandTimeoutSeconds = 1800;
export const defaultMaxCommandOutputBytes = 12 * 1024;
const defaultPickupTimeoutMs = 15_000;
const maxPollIntervalMs = 500;

export interface SandboxExecResult {
  /** Undefined when the sandbox never reported an exit status. */
  exitCode?: number;
  timedOut: boolean;
  stdout: string;
  stderr: string;
  /** Why no result came back, when none did. */
  failure?: string;
}

export function createExecuteCommandTool(options: SandboxExecOptions = {}): Tool<ExecuteCommandArgs> {
  const defaultTimeout = options.defaultTimeoutSeconds ?? defaultCommandTimeoutSeconds;
  const maxTimeout = options.maxTimeoutSeconds ?? defaultMaxCommandTimeoutSeconds;
  return {
    spec: {
      name: 'execute_command',
      description:
        'Run a shell command with /bin/sh in the sandbox container, in /workspace (shared with the file ' +
        'tools). Returns the exit code, stdout and stderr (long output is cut in the middle). Each call ' +
        `is a fresh shell: cd and variables do not carry over. Default timeout ${defaultTimeout} seconds.`,
      parameters: {
        type: 'object',
        properties: {
          command: {
            type: 'string',
            minLength: 1,
            maxLength: 65536,
            description: 'The shell command or script.',
          },
          timeout_seconds: {
            type: 'integer',
            minimum: 1,
            maximum: maxTimeout,
            description: `Stop the command after this many seconds (default ${defaultTimeout}).`,
          },
        },
        required: ['command'],
        additionalProperties: false,
      },
    },
    async run(args, context) {
      const timeoutSeconds = args.timeout_seconds ?? defaultTimeout;
      const result = await runInSandbox(args.command, timeoutSeconds, context.signal, options);
      return renderResult(result, timeoutSeconds);
    },
  };
}

/** Hands one command to the sandbox and waits for its result; always cleans up its files. */
export async function runInSandbox(
  command: string,
  timeoutSeconds: number,
  signal: AbortSignal,
  options: SandboxExecOptions = {},
): Promise<SandboxExecResult> {
  const dir = options.execDir ?? sandboxExecDir;
  const id = `${Date.now().toString(36)}-${randomBytes(8).toString('hex')}`;
  const file = (suffix: string) => path.join(dir, id + suffix);
  const maxOutputBytes = options.maxOutputBytes ?? defaultMaxCommandOutputBytes;
  const pickupTimeoutMs = options.pickupTimeoutMs ?? defaultPickupTimeoutMs;
  const waitMs = timeoutSeconds * 1000 + (options.graceMs ?? (sandboxExecKillGraceSeconds + 5) * 1000);
  const noResult = (failure: string): SandboxExecResult => ({
    timedOut: false,
    stdout: '',
    stderr: '',
    failure,
  });

  try {
    // a random name and O_EXCL: nothing the sandbox planted can be written through
    const request = `${sandboxExecTimeoutHeader}${timeoutSeconds}\n${command}\n`;
    await writeFile(file(sandboxExecFiles.pending), request, { flag: 'wx' });
    await rename(file(sandboxExecFiles.pending), file(sandboxExecFiles.request));
  } catch (error) {
    await cleanup(dir, id);
    return noResult(
      `could not hand the command to the sandbox: ${error instanceof Error ? error.message : String(error)}`,
    );
  }

  const started = Date.now();
  let interval = options.pollIntervalMs ?? 50;
  let claimed = false;
  try {
    for (;;) {
      const exit = await readBounded(file(sandboxExecFiles.exit), 32);
      if (exit !== undefined) {
        const exitCode = Number.parseInt(exit.text.trim(), 10);
        const elapsed = Date.now() - started;
        const [stdout, stderr] = await Promise.all([
          readOutput(file(sandboxExecFiles.stdout), maxOutputBytes),
          readOutput(file(sandboxExecFiles.stderr), maxOutputBytes),
        ]);
        return {
          ...(Number.isInteger(exitCode) ? { exitCode } : {}),
          // busybox's timeout reports the signal (143, 137) instead of 124
          timedOut:
            exitCode === sandboxExecTimedOutExitCode ||
            ((exitCode === 143 || exitCode === 137) && elapsed >= timeoutSeconds * 1000),
          stdout,
          stderr,
        };
      }
      const elapsed = Date.now() - started;
      if (!claimed && elapsed >= pickupTimeoutMs) {
        // withdrawing the request fails only when the sandbox has claimed it meanwhile
        if (await withdraw(file(sandboxExecFiles.request))) {
          return noResult(
            `the sandbox did not pick up the command within ${seconds(pickupTimeoutMs)} seconds: it may not be running`,
          );
        }
        claimed = true;
      }
      if (elapsed >= waitMs) {
        return {
          ...noResult(`the sandbox did not report back within ${seconds(waitMs)} seconds`),
          timedOut: true,
        };
      }
      await sleep(interval, undefined, { signal });
      interval = Math.min(maxPollIntervalMs, Math.round(interval * 1.5));
    }
  } catch (error) {
    if (signal.aborted) return noResult('the run was cancelled while the command was running');
    throw error;
  } finally {
    await cleanup(dir, id);
  }
}

function renderResult(result: SandboxExecResult, timeoutSeconds: number): ToolResult {
  if (result.failure && result.exitCode === undefined) {
    const message = result.timedOut
      ? `the command timed out after ${timeoutSeconds} seconds; ${result.failure}`
      : result.failure;
    return toolError(message);
  }
  const head = result.timedOut
    ? `the command timed out after ${timeoutSeconds} seconds and was stopped (exit code ${result.exitCode ?? '?'})`
    : `exit code ${result.exitCode ?? '? (the sandbox wrote no valid exit status)'}`;
  const parts = [head];
  if (result.stdout) parts.push(`--- stdout ---\n${result.stdout.replace(/\n$/, '')}`);
  if (result.stderr) parts.push(`--- stderr ---\n${result.stderr.replace(/\n$/, '')}`);
  if (!result.stdout && !result.stderr) parts.push('(no output)');
  const text = parts.join('\n');
  return result.exitCode === 0 && !result.timedOut ? toolOk(text) : toolError(text);
}

/**
 * A result file's content, or undefined when it is missing or not a regular file. O_NOFOLLOW: a
 * symbolic link planted by the sandbox would otherwise read the runner's own files.
 */
async function readBounded(
  file: string,
  maxBytes: number,
  tailBytes = 0,
): Promise<{ text: string; size: number; omitted: number } | undefined> {
  let handle;
  try {
    handle = await open(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch {
    return undefined;
  }
  try {
    const info = await handle.stat();
    if (!info.isFile()) return undefined;
    const size = info.size;
    const read = async (length: number, position: number) => {
      const buffer = Buffer.alloc(length);
      const { bytesRead } = await handle.read(buffer, 0, length, position);
      return buffer.subarray(0, bytesRead);
    };
    if (size <= maxBytes + tailBytes) {
      return { text: (await read(size, 0)).toString('utf8'), size, omitted: 0 };
    }
    const head = (await read(maxBytes, 0)).toString('utf8');
    const tail = tailBytes > 0 ? (await read(tailBytes, size - tailBytes)).toString('utf8') : '';
    const omitted = size - maxBytes - tailBytes;
    return { text: `${head}\n[... ${omitted} of ${size} bytes omitted ...]\n${tail}`, size, omitted };
  } finally {
    await handle.close();
  }
}

/** Output cut in the middle: the start and the end (where errors usually are) are both kept. */
async function readOutput(file: string, maxBytes: number): Promise<string> {
  const half = Math.floor(maxBytes / 2);
  const result = await readBounded(file, half, maxBytes - half);
  return result?.text ?? '';
}

function seconds(ms: number): number {
  return Math.round(ms / 100) / 10;
}

async function withdraw(file: string): Promise<boolean> {
  try {
    await unlink(file);
    return true;
  } catch {
    return false;
  }
}

async function cleanup(dir: string, id: string): Promise<void> {
  await Promise.all(
    Object.values(sandboxExecFiles).map((suffix) =>
      unlink(path.join(dir, id + suffix)).catch(() => undefined),
    ),
  );
  await unlink(path.join(dir, `${id}${sandboxExecFiles.exit}.tmp`)).catch(() => undefined);
}
