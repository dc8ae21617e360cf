import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { buildSandboxCommand, sandboxExecFiles } from '../../orchestrator/index.ts';
import { createExecuteCommandTool, runInSandbox, type SandboxExecOptions } from './execute-command.ts';
import type { ToolResult } from './tool.ts';

let base: string;
let execDir: string;
let workspace: string;
let sandbox: ChildProcess;

/** The sandbox loop exactly as the container runs it, with /bin/sh of this machine. */
before(async () => {
  base = await mkdtemp(path.join(tmpdir(), 'execute-command-'));
  execDir = path.join(base, 'exec');
  workspace = path.join(base, 'workspace');
  await mkdir(execDir);
  await mkdir(workspace);
  const { command, args } = buildSandboxCommand({ execDir, workspaceDir: workspace });
  const [program = '', ...rest] = [...command, ...args];
  // its own process group, so the commands it started end with it
  sandbox = spawn(program, rest, { detached: true, stdio: 'ignore' });
});
after(async () => {
  if (sandbox.pid !== undefined && sandbox.exitCode === null) {
    const exited = new Promise((resolve) => sandbox.once('exit', resolve));
    process.kill(-sandbox.pid, 'SIGKILL');
    await exited;
  }
  await rm(base, { recursive: true, force: true });
});

const run = (
  args: { command: string; timeout_seconds?: number },
  options: SandboxExecOptions = {},
  signal?: AbortSignal,
) =>
  createExecuteCommandTool({ execDir, ...options }).run(args, {
    signal: signal ?? new AbortController().signal,
  });
const ok = (result: ToolResult) => {
  assert.equal(result.isError, false, result.content);
  return result.content;
};
const failed = (result: ToolResult) => {
  assert.equal(result.isError, true, result.content);
  return result.content;
};
const leftovers = async (dir = execDir) => (await readdir(dir)).filter((name) => !name.startsWith('.'));

describe('execute_command through the real sandbox script', () => {
  it('runs a command in the workspace and returns its output', async () => {
    const content = ok(await run({ command: 'echo hello; pwd; echo data > made-here.txt' }));
    assert.equal(content, `exit code 0\n--- stdout ---\nhello\n${workspace}`);
    assert.equal(await readFile(path.join(workspace, 'made-here.txt'), 'utf8'), 'data\n');
    assert.deepEqual(await leftovers(), []);
  });

  it('reports a failing command with its exit code and stderr', async () => {
    const content = failed(await run({ command: 'echo partial; echo "no such thing" >&2; exit 3' }));
    assert.equal(content, 'exit code 3\n--- stdout ---\npartial\n--- stderr ---\nno such thing');
  });

  it('says when there was no output', async () => {
    assert.equal(ok(await run({ command: 'true' })), 'exit code 0\n(no output)');
  });

  it('stops a command at its timeout and says so', async () => {
    const started = Date.now();
    const content = failed(await run({ command: 'echo started; sleep 30', timeout_seconds: 1 }));
    assert.ok(Date.now() - started < 10_000);
    assert.match(
      content,
      /^the command timed out after 1 seconds and was stopped \(exit code \d+\)\n--- stdout ---\nstarted$/,
    );
    assert.deepEqual(await leftovers(), []);
  });

  it('runs concurrent requests side by side', async () => {
    const started = Date.now();
    const results = await Promise.all([1, 2, 3].map((n) => run({ command: `sleep 1; echo job-${n}` })));
    assert.ok(Date.now() - started < 2800, 'the three one-second jobs overlapped');
    results.forEach((result, i) => assert.match(ok(result), new RegExp(`job-${i + 1}`)));
    assert.deepEqual(await leftovers(), []);
  });

  it('cuts long output in the middle, keeping the start and the end, with a note', async () => {
    const content = ok(
      await run(
        { command: 'i=0; while [ $i -lt 2000 ]; do echo "line-$i"; i=$((i+1)); done' },
        { maxOutputBytes: 1000 },
      ),
    );
    assert.match(content, /^exit code 0\n--- stdout ---\nline-0\n/);
    assert.match(content, /\n\[\.\.\. \d+ of \d+ bytes omitted \.\.\.\]\n/);
    assert.match(content, /line-1999$/);
    const total = Number(/of (\d+) bytes omitted/.exec(content)?.[1]);
    const omitted = Number(/(\d+) of \d+ bytes omitted/.exec(content)?.[1]);
    assert.equal(omitted, total - 1000);
  });

  it('returns when the run is cancelled and cleans up', async () => {
    const controller = new AbortController();
    const pending = run({ command: 'sleep 5' }, {}, controller.signal);
    setTimeout(() => controller.abort(), 300);
    assert.match(failed(await pending), /the run was cancelled while the command was running/);
    assert.deepEqual(await leftovers(), []);
  });
});

describe('execute_command without a working sandbox', () => {
  it('reports a sandbox that never picks the command up, and withdraws it', async () => {
    const idle = path.join(base, 'idle');
    await mkdir(idle);
    const result = await runInSandbox('echo never', 30, new AbortController().signal, {
      execDir: idle,
      pickupTimeoutMs: 300,
    });
    assert.match(
      result.failure ?? '',
      /did not pick up the command within 0.3 seconds: it may not be running/,
    );
    assert.deepEqual(await leftovers(idle), []);
  });

  it('does not follow result files a compromised sandbox turned into symbolic links', async () => {
    const evil = path.join(base, 'evil');
    await mkdir(evil);
    const secret = path.join(base, 'runner-secret');
    await writeFile(secret, 'api-key-123');
    // a fake sandbox: answers every request with links to the runner's secret
    const fake = (async () => {
      for (let i = 0; i < 200; i++) {
        const request = (await readdir(evil)).find((name) => name.endsWith(sandboxExecFiles.request));
        if (request) {
          const id = request.slice(0, -sandboxExecFiles.request.length);
          await symlink(secret, path.join(evil, id + sandboxExecFiles.stdout));
          await symlink(secret, path.join(evil, id + sandboxExecFiles.stderr));
          await writeFile(path.join(evil, id + sandboxExecFiles.exit), '0\n');
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();
    const content = ok(await run({ command: 'cat /secret' }, { execDir: evil }));
    await fake;
    assert.doesNotMatch(content, /api-key-123/);
    assert.equal(content, 'exit code 0\n(no output)');
    assert.ok(existsSync(secret), 'cleanup removed the links, not their target');
    assert.deepEqual(await leftovers(evil), []);
  });

  it('reports an exec directory it cannot write to', async () => {
    const result = await run({ command: 'echo x' }, { execDir: path.join(base, 'does-not-exist') });
    assert.match(failed(result), /could not hand the command to the sandbox/);
  });
});
