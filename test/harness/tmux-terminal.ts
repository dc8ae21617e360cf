// Runs the k8sclaw CLI in a real terminal: a detached tmux session of a fixed size on a tmux server
// of its own (its own socket, so no other tmux is touched). The test sends keys to it and reads the
// screen as a person sees it (capture-pane), with bounded polling; close() stops that server.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { repoRoot } from './binaries.ts';

const run = promisify(execFile);
const quote = (word: string) => `'${word.replaceAll("'", `'\\''`)}'`;

export class TmuxTerminal {
  private readonly socket = `k8sclaw-e2e-${randomBytes(4).toString('hex')}`;
  private readonly session = 'tui';

  private constructor() {}

  /** Starts `k8sclaw <args>` in a new detached session with the given environment and size. */
  static async start(
    args: string[],
    env: Record<string, string>,
    size = { columns: 120, rows: 40 },
  ): Promise<TmuxTerminal> {
    const terminal = new TmuxTerminal();
    const command = [
      'exec',
      'env',
      ...Object.entries(env).map(([k, v]) => quote(`${k}=${v}`)),
      quote(process.execPath),
      quote(path.join(repoRoot, 'src', 'cmd', 'k8sclaw.ts')),
      ...args.map(quote),
    ].join(' ');
    await terminal.tmux(
      'new-session',
      '-d',
      '-s',
      terminal.session,
      '-x',
      String(size.columns),
      '-y',
      String(size.rows),
      command,
    );
    // keep the pane after the program exits, so a crash stays readable in the screen
    await terminal.tmux('set-option', '-t', terminal.session, 'remain-on-exit', 'on');
    return terminal;
  }

  private async tmux(...args: string[]): Promise<string> {
    const { stdout } = await run('tmux', ['-L', this.socket, ...args], {
      env: { ...process.env, TERM: 'xterm-256color' },
    });
    return stdout;
  }

  /** The screen as shown now: one string, lines joined with newlines. */
  async screen(): Promise<string> {
    return await this.tmux('capture-pane', '-p', '-t', this.session);
  }

  /** Everything the pane has shown: the screen and the lines scrolled off it. */
  async scrollback(): Promise<string> {
    return await this.tmux('capture-pane', '-p', '-S', '-', '-t', this.session);
  }

  /** Keys as tmux names them (Enter, Escape, Tab) or literal text with `literal`. */
  async keys(...keys: string[]): Promise<void> {
    await this.tmux('send-keys', '-t', this.session, ...keys);
  }

  async type(text: string): Promise<void> {
    await this.tmux('send-keys', '-t', this.session, '-l', text);
  }

  /** Waits until the screen matches `pattern`; returns that screen, or fails showing the last one. */
  async waitFor(pattern: RegExp, timeoutMs = 30_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    let shown = '';
    while (Date.now() < deadline) {
      shown = await this.screen();
      if (pattern.test(shown)) return shown;
      await sleep(200);
    }
    throw new Error(`${String(pattern)} not shown within ${timeoutMs} ms; the terminal shows:\n${shown}`);
  }

  /** Waits until the screen no longer matches `pattern`. */
  async waitForNo(pattern: RegExp, timeoutMs = 30_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    let shown = '';
    while (Date.now() < deadline) {
      shown = await this.screen();
      if (!pattern.test(shown)) return shown;
      await sleep(200);
    }
    throw new Error(`${String(pattern)} still shown after ${timeoutMs} ms; the terminal shows:\n${shown}`);
  }

  /** The process id of the program in the pane (started with exec: the k8sclaw process). */
  async panePid(): Promise<number> {
    return Number((await this.tmux('display-message', '-p', '-t', this.session, '#{pane_pid}')).trim());
  }

  /** Whether the program in the pane has exited. */
  async paneDead(): Promise<boolean> {
    return (await this.tmux('display-message', '-p', '-t', this.session, '#{pane_dead}')).trim() === '1';
  }

  /** Stops the session and its tmux server, and removes the server's socket (tmux leaves it). */
  async close(): Promise<void> {
    const socket = (await this.tmux('display-message', '-p', '#{socket_path}').catch(() => '')).trim();
    await this.tmux('kill-server').catch(() => undefined);
    if (socket) await rm(socket, { force: true });
  }
}
