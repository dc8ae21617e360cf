// One upstream server process started by the harness: spawned with its output in a log file,
// probed until ready within a bounded time, stopped with SIGTERM then SIGKILL. A failure names the
// component and its log file and shows the log's tail, so a broken start is diagnosable from CI output.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync, existsSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

export interface ProcessSpec {
  /** Component name used in messages, e.g. `kube-apiserver`. */
  name: string;
  command: string;
  args: string[];
  logFile: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Detached processes survive the parent (used by the local cluster); test servers are not. */
  detached?: boolean;
  /** Run as another user (servers that refuse root, such as postgres). */
  uid?: number;
  gid?: number;
  /** The signal that asks the process to stop (default SIGTERM; postgres shuts down fast on SIGINT). */
  stopSignal?: NodeJS.Signals;
}

export type ReadinessProbe = () => Promise<boolean>;

export class ComponentStartError extends Error {
  readonly component: string;
  readonly logFile: string;
  constructor(component: string, logFile: string, reason: string) {
    super(`${component} did not come up: ${reason}\n  log: ${logFile}\n${tailOf(logFile)}`);
    this.name = 'ComponentStartError';
    this.component = component;
    this.logFile = logFile;
  }
}

export function tailOf(file: string, lines = 25): string {
  if (!existsSync(file)) return '  (no log written)';
  const text = readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines);
  return text.map((line) => `  | ${line}`).join('\n');
}

/** Children that die with this process: test servers must never outlive the test run. */
const attachedChildren = new Set<ChildProcess>();
let exitHooksInstalled = false;

function killAttachedChildren(): void {
  for (const child of attachedChildren) child.kill('SIGKILL');
  attachedChildren.clear();
}

function installExitHooks(): void {
  if (exitHooksInstalled) return;
  exitHooksInstalled = true;
  process.once('exit', killAttachedChildren);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      killAttachedChildren();
      process.kill(process.pid, signal);
    });
  }
}

export class ManagedProcess {
  readonly spec: ProcessSpec;
  private child: ChildProcess | undefined;
  private exit: { code: number | null; signal: NodeJS.Signals | null; error?: Error } | undefined;

  constructor(spec: ProcessSpec) {
    this.spec = spec;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get exited(): boolean {
    return this.exit !== undefined;
  }

  /** How the process ended (undefined while it runs). */
  get exitStatus(): { code: number | null; signal: NodeJS.Signals | null } | undefined {
    return this.exit ? { code: this.exit.code, signal: this.exit.signal } : undefined;
  }

  /** Starts the process; after it has stopped, starts it again with the same spec. */
  start(): void {
    this.exit = undefined;
    const fd = openSync(this.spec.logFile, 'a');
    try {
      this.child = spawn(this.spec.command, this.spec.args, {
        stdio: ['ignore', fd, fd],
        env: this.spec.env ?? process.env,
        cwd: this.spec.cwd,
        detached: this.spec.detached ?? false,
        ...(this.spec.uid !== undefined ? { uid: this.spec.uid } : {}),
        ...(this.spec.gid !== undefined ? { gid: this.spec.gid } : {}),
      });
    } finally {
      closeSync(fd);
    }
    const child = this.child;
    if (!this.spec.detached) {
      installExitHooks();
      attachedChildren.add(child);
    }
    child.on('exit', (code, signal) => {
      attachedChildren.delete(child);
      this.exit = { code, signal };
    });
    this.child.on('error', (error) => (this.exit = { code: null, signal: null, error }));
    if (this.spec.detached) this.child.unref();
  }

  /** Polls `probe` every `intervalMs` until it answers true, the process exits, or time runs out. */
  async waitUntilReady(probe: ReadinessProbe, timeoutMs: number, intervalMs = 250): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.exit) {
        throw new ComponentStartError(
          this.spec.name,
          this.spec.logFile,
          this.exit.error
            ? `could not be started: ${this.exit.error.message}`
            : `exited early (code ${this.exit.code}, signal ${this.exit.signal})`,
        );
      }
      if (await probe().catch(() => false)) return;
      await sleep(intervalMs);
    }
    throw new ComponentStartError(this.spec.name, this.spec.logFile, `not ready after ${timeoutMs} ms`);
  }

  /** Ends the process at once (SIGKILL), as a crash would, and waits until it is gone. */
  async crash(): Promise<void> {
    const child = this.child;
    if (!child || this.exit || child.pid === undefined) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGKILL');
    await exited;
  }

  async stop(graceMs = 10_000): Promise<void> {
    const child = this.child;
    if (!child || this.exit || child.pid === undefined) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(this.spec.stopSignal ?? 'SIGTERM');
    const timer = new AbortController();
    const graceOver = sleep(graceMs, 'timeout' as const, { signal: timer.signal }).catch(
      () => 'exited' as const,
    );
    const outcome = await Promise.race([exited.then(() => 'exited' as const), graceOver]);
    timer.abort();
    if (outcome === 'timeout') {
      child.kill('SIGKILL');
      await exited;
    }
  }
}
