// Runs the k8sclaw CLI in a pseudo-terminal, as a person at a terminal would: util-linux `script`
// gives it a pty of a fixed size, the test types keys into it and reads what it draws (with the
// terminal control sequences taken out).
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { repoRoot } from './binaries.ts';

export const keys = {
  enter: '\r',
  down: '\u001b[B',
  up: '\u001b[A',
  escape: '\u001b',
  ctrlC: '\u0003',
} as const;

const quote = (word: string) => `'${word.replaceAll("'", `'\\''`)}'`;

export class CliTerminal {
  private readonly child: ChildProcess;
  private raw = '';
  /** Where the next waitFor starts looking, so an old frame never answers a new question. */
  private mark = 0;
  readonly exited: Promise<number>;

  constructor(
    args: string[],
    env: NodeJS.ProcessEnv,
    size = { columns: 100, rows: 30 },
    /** The CLI's entry module: the source unless given (the installed package's bin, say). */
    entry = path.join(repoRoot, 'src', 'cmd', 'k8sclaw.ts'),
  ) {
    const command = [
      `stty cols ${size.columns} rows ${size.rows};`,
      'exec',
      quote(process.execPath),
      quote(entry),
      ...args.map(quote),
    ].join(' ');
    this.child = spawn('script', ['--quiet', '--return', '--command', command, '/dev/null'], {
      env: { ...process.env, TERM: 'xterm-256color', ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const take = (chunk: Buffer) => (this.raw += chunk.toString('utf8'));
    this.child.stdout?.on('data', take);
    this.child.stderr?.on('data', take);
    this.exited = new Promise((resolve) => this.child.on('close', (code) => resolve(code ?? 1)));
  }

  /** Everything drawn so far, without control sequences. */
  get text(): string {
    return stripVTControlCharacters(this.raw);
  }

  /** Waits until `pattern` is drawn after the last match, then moves the mark past it. */
  async waitFor(pattern: string | RegExp, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const rest = this.text.slice(this.mark);
      const found =
        typeof pattern === 'string'
          ? { index: rest.indexOf(pattern), length: pattern.length }
          : { index: rest.search(pattern), length: rest.match(pattern)?.[0].length ?? 0 };
      if (found.index >= 0) {
        this.mark += found.index + found.length;
        return;
      }
      if (Date.now() > deadline || this.child.exitCode !== null)
        throw new Error(`${String(pattern)} not drawn; the terminal shows:\n${rest.slice(-3000)}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  type(text: string): void {
    this.child.stdin?.write(text);
  }

  /** Waits for `question`, then types `answer` (keys or text) and Enter. */
  async answer(question: string | RegExp, answer = ''): Promise<void> {
    await this.waitFor(question);
    // let the prompt finish drawing and start reading keys
    await new Promise((resolve) => setTimeout(resolve, 100));
    this.type(answer);
    await new Promise((resolve) => setTimeout(resolve, 50));
    this.type(keys.enter);
  }

  kill(): void {
    this.child.kill();
  }
}
