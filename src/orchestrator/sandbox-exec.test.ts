import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rename, rm, symlink, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  buildSandboxCommand,
  sandboxExecDir,
  sandboxExecFiles,
  sandboxExecScript,
  sandboxExecTimeoutHeader,
} from './sandbox-exec.ts';

interface Sandbox {
  dir: string;
  work: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

let root: string;
before(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'sandbox-exec-'));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

let counter = 0;
/** Runs the script exactly as the container would, with `shell` in place of /bin/sh. */
async function startSandbox(shell: string[] = ['/bin/sh'], env?: NodeJS.ProcessEnv): Promise<Sandbox> {
  const base = path.join(root, `s${++counter}`);
  const dir = path.join(base, 'exec');
  const work = path.join(base, 'work');
  await mkdir(work, { recursive: true });
  const { command, args } = buildSandboxCommand({ execDir: dir, workspaceDir: work });
  const [program = '', ...rest] = [...shell, ...command.slice(1), ...args];
  // its own process group, so stopping it also ends the commands it started
  const child = spawn(program, rest, { detached: true, stdio: 'ignore', ...(env ? { env } : {}) });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
      process.kill(-child.pid, 'SIGKILL');
      await exited;
    }
  };
  return { dir, work, child, stop };
}

async function submit(dir: string, id: string, command: string, timeoutSeconds?: number): Promise<void> {
  const header = timeoutSeconds === undefined ? '' : `${sandboxExecTimeoutHeader}${timeoutSeconds}\n`;
  const pendingFile = path.join(dir, id + sandboxExecFiles.pending);
  await mkdir(dir, { recursive: true });
  await writeFile(pendingFile, `${header}${command}\n`);
  await rename(pendingFile, path.join(dir, id + sandboxExecFiles.request));
}

async function waitFor(file: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!existsSync(file)) {
    if (Date.now() > deadline) throw new Error(`${file} did not appear within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

async function result(dir: string, id: string) {
  const file = (suffix: string) => path.join(dir, id + suffix);
  await waitFor(file(sandboxExecFiles.exit));
  return {
    exit: await readFile(file(sandboxExecFiles.exit), 'utf8'),
    stdout: await readFile(file(sandboxExecFiles.stdout), 'utf8'),
    stderr: await readFile(file(sandboxExecFiles.stderr), 'utf8'),
  };
}

/** A PATH holding only the given tools (as links to busybox or to the system's own). */
async function toolDir(name: string, tools: Record<string, string>): Promise<string> {
  const bin = path.join(root, name);
  await mkdir(bin, { recursive: true });
  for (const [tool, target] of Object.entries(tools)) await symlink(target, path.join(bin, tool));
  return bin;
}

const haveBusybox = existsSync('/usr/bin/busybox') || existsSync('/bin/busybox');
const busybox = existsSync('/usr/bin/busybox') ? '/usr/bin/busybox' : '/bin/busybox';

describe('buildSandboxCommand', () => {
  it('runs the script with /bin/sh -c and passes the directories as $1 and $2', () => {
    assert.deepEqual(buildSandboxCommand(), {
      command: ['/bin/sh', '-c', sandboxExecScript],
      args: ['k8sclaw-sandbox', sandboxExecDir, '/workspace'],
    });
    assert.deepEqual(buildSandboxCommand({ execDir: '/x', workspaceDir: '/w' }).args, [
      'k8sclaw-sandbox',
      '/x',
      '/w',
    ]);
  });

  it('has no bash-isms the usual checks catch', () => {
    assert.doesNotMatch(sandboxExecScript, /\[\[|\bfunction\b|\blocal\b|<<<|\$\(\(|\bsource\b|==/);
  });
});

describe('the sandbox loop under /bin/sh', () => {
  let sandbox: Sandbox;
  before(async () => {
    sandbox = await startSandbox();
  });
  after(async () => {
    await sandbox.stop();
  });

  it('runs a request in the workspace and writes stdout, stderr and the exit status', async () => {
    await submit(sandbox.dir, 'a1', 'pwd; echo to-err >&2; exit 3', 30);
    const got = await result(sandbox.dir, 'a1');
    assert.equal(got.exit, '3\n');
    assert.equal(got.stdout, `${sandbox.work}\n`);
    assert.equal(got.stderr, 'to-err\n');
    // the claimed request stays until the runner cleans up
    assert.ok(existsSync(path.join(sandbox.dir, 'a1' + sandboxExecFiles.running)));
    assert.ok(!existsSync(path.join(sandbox.dir, 'a1' + sandboxExecFiles.request)));
  });

  it('stops a command at its timeout', async () => {
    const started = Date.now();
    await submit(sandbox.dir, 't1', 'echo before; sleep 20; echo after', 1);
    const got = await result(sandbox.dir, 't1');
    assert.ok(Date.now() - started < 8000, 'the command was stopped early');
    assert.equal(got.stdout, 'before\n');
    assert.notEqual(got.exit, '0\n');
  });

  it('runs requests concurrently', async () => {
    await submit(sandbox.dir, 'slow', 'sleep 2; echo slow', 30);
    await submit(sandbox.dir, 'fast', 'echo fast', 30);
    await waitFor(path.join(sandbox.dir, 'fast' + sandboxExecFiles.exit));
    assert.ok(!existsSync(path.join(sandbox.dir, 'slow' + sandboxExecFiles.exit)), 'fast finished first');
    assert.equal((await result(sandbox.dir, 'slow')).stdout, 'slow\n');
  });

  it('runs a request without a timeout header with the default timeout', async () => {
    await submit(sandbox.dir, 'nohdr', 'echo plain');
    assert.deepEqual(await result(sandbox.dir, 'nohdr'), { exit: '0\n', stdout: 'plain\n', stderr: '' });
  });

  it('ignores files being written and discards the result of an abandoned request', async () => {
    const pendingFile = path.join(sandbox.dir, 'p1' + sandboxExecFiles.pending);
    await writeFile(pendingFile, 'echo never');
    await submit(sandbox.dir, 'gone', 'sleep 1; echo late', 30);
    await waitFor(path.join(sandbox.dir, 'gone' + sandboxExecFiles.running));
    await unlink(path.join(sandbox.dir, 'gone' + sandboxExecFiles.running));
    await new Promise((resolve) => setTimeout(resolve, 1800));
    assert.ok(!existsSync(path.join(sandbox.dir, 'gone' + sandboxExecFiles.exit)));
    assert.ok(!existsSync(path.join(sandbox.dir, 'gone' + sandboxExecFiles.stdout)));
    assert.ok(existsSync(pendingFile), 'a pending file is not picked up');
  });
});

describe('the sandbox loop elsewhere', () => {
  it('exits promptly on SIGTERM', async () => {
    const sandbox = await startSandbox();
    try {
      await submit(sandbox.dir, 'up', 'echo up', 30);
      await result(sandbox.dir, 'up');
      const exited = new Promise<number | null>((resolve) =>
        sandbox.child.once('exit', (code) => resolve(code)),
      );
      sandbox.child.kill('SIGTERM');
      assert.equal(await exited, 0);
    } finally {
      await sandbox.stop();
    }
  });

  it('runs commands without a timeout when the image has no `timeout`', async () => {
    const tools = Object.fromEntries(['mv', 'rm', 'mkdir', 'sleep'].map((t) => [t, `/bin/${t}`]));
    const bin = await toolDir('no-timeout-bin', tools);
    const sandbox = await startSandbox(['/bin/sh'], { PATH: bin });
    try {
      await submit(sandbox.dir, 'n1', 'echo works; exit 7', 1);
      assert.deepEqual(await result(sandbox.dir, 'n1'), { exit: '7\n', stdout: 'works\n', stderr: '' });
    } finally {
      await sandbox.stop();
    }
  });

  it('works under busybox sh with busybox tools', { skip: !haveBusybox && 'no busybox here' }, async () => {
    const tools = Object.fromEntries(['mv', 'rm', 'mkdir', 'sleep', 'timeout'].map((t) => [t, busybox]));
    const bin = await toolDir('busybox-bin', tools);
    const sandbox = await startSandbox([busybox, 'sh'], { PATH: bin });
    try {
      await submit(sandbox.dir, 'b1', 'echo hi; echo oops >&2; exit 2', 30);
      assert.deepEqual(await result(sandbox.dir, 'b1'), { exit: '2\n', stdout: 'hi\n', stderr: 'oops\n' });
      const started = Date.now();
      await submit(sandbox.dir, 'b2', 'sleep 20', 1);
      const got = await result(sandbox.dir, 'b2');
      assert.ok(Date.now() - started < 8000);
      assert.notEqual(got.exit, '0\n');
    } finally {
      await sandbox.stop();
    }
  });
});
