// Runs the k8sclaw CLI as a user would: a separate process, its exit code and output captured.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { repoRoot } from './binaries.ts';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export async function runCli(
  args: string[],
  env: NodeJS.ProcessEnv = {},
  timeoutMs = 600_000,
  /** Written to the CLI's stdin, which is then closed (else stdin stays open and empty). */
  input?: string,
): Promise<CliResult> {
  return await new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [path.join(repoRoot, 'src', 'cmd', 'k8sclaw.ts'), ...args],
      { env: { ...process.env, ...env }, timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
    if (input !== undefined) child.stdin?.end(input);
  });
}
