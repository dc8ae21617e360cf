import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { RunInput, RunResult } from '../api/run-events.ts';
import { ipcErrorCodes, isIpcError } from './ipc-error.ts';
import {
  buildIpcFileName,
  ensureIpcLayout,
  ipcLayout,
  ipcNames,
  listPending,
  settleInputFile,
  writeFileAtomic,
  writeInputFile,
} from './protocol.ts';
import { createRunnerIpc } from './runner-ipc.ts';

const result: RunResult = {
  status: 'succeeded',
  response: 'done',
  usage: { input: 10, output: 5 },
  toolCalls: 0,
  memoryUpdates: [],
};
const input = (n: number): RunInput => ({
  id: `in-${n}`,
  time: '2025-01-01T00:00:00.000Z',
  text: `message ${n}`,
});
const noWatch = () => ({ close: () => undefined });

async function waitFor(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 5000) {
  const until = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > until) assert.fail(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('runner ipc', () => {
  let root: string;
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'k8sclaw-ipc-runner-'));
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
  });
  let counter = 0;
  const freshDir = () => join(root, `case-${++counter}`);

  it('writes one { time, body } file per event, numbered in call order even when not awaited', async () => {
    const dir = freshDir();
    const ipc = createRunnerIpc({ dir, now: () => new Date('2025-02-03T04:05:06.000Z') });
    const emitted = await Promise.all(
      Array.from({ length: 50 }, (_, i) => ipc.emit({ type: 'chunk', text: `part ${i}` })),
    );
    assert.deepEqual(
      emitted.map((e) => e.seq),
      Array.from({ length: 50 }, (_, i) => i + 1),
    );
    const files = await listPending(ipcLayout(dir).events);
    assert.deepEqual(
      files.map((f) => f.name),
      emitted.map((e) => e.name),
    );
    const texts = [];
    for (const file of files) {
      const content = JSON.parse(await readFile(join(ipcLayout(dir).events, file.name), 'utf8'));
      assert.equal(content.time, '2025-02-03T04:05:06.000Z');
      texts.push(content.body.text);
    }
    assert.deepEqual(
      texts,
      Array.from({ length: 50 }, (_, i) => `part ${i}`),
    );
  });

  it('refuses invalid events and completed events, writing nothing', async () => {
    const dir = freshDir();
    await ensureIpcLayout(dir);
    const ipc = createRunnerIpc({ dir });
    await assert.rejects(ipc.emit({ type: 'chunk', text: 'x'.repeat(64 * 1024) }), (error) =>
      isIpcError(error, ipcErrorCodes.invalidEvent),
    );
    await assert.rejects(ipc.emit({ type: 'completed', result }), (error) =>
      isIpcError(error, ipcErrorCodes.invalidEvent),
    );
    assert.deepEqual(await listPending(ipcLayout(dir).events), []);
    assert.equal((await ipc.emit({ type: 'status', message: 'still numbered from 1' })).seq, 1);
  });

  it('continues numbering after a restart, also after the bridge published everything', async () => {
    const dir = freshDir();
    const layout = ipcLayout(dir);
    const first = createRunnerIpc({ dir });
    const a = await first.emit({ type: 'status', message: 'a' });
    const b = await first.emit({ type: 'status', message: 'b' });
    // What the bridge leaves after publishing both: only the last one, renamed to a marker.
    await rm(join(layout.events, a.name));
    await rename(join(layout.events, b.name), join(layout.events, ipcNames.publishedPrefix + b.name));
    assert.deepEqual(await listPending(layout.events), []);
    await writeFile(join(layout.events, `.${buildIpcFileName(3)}.tmp`), '{"half');
    const restarted = createRunnerIpc({ dir });
    assert.equal((await restarted.emit({ type: 'status', message: 'c' })).seq, 3);
    assert.deepEqual(
      (await readdir(layout.events)).filter((n) => n.endsWith('.tmp')),
      [],
      'leftover temp files of the dead runner are removed',
    );
  });

  it('writes the result once, after the events, and refuses anything after it', async () => {
    const dir = freshDir();
    const ipc = createRunnerIpc({ dir });
    const pendingEmit = ipc.emit({ type: 'status', message: 'last words' });
    await ipc.writeResult(result);
    await pendingEmit;
    assert.deepEqual(JSON.parse(await readFile(ipcLayout(dir).result, 'utf8')), result);
    assert.equal((await listPending(ipcLayout(dir).events)).length, 1);
    await assert.rejects(ipc.writeResult(result), (error) => isIpcError(error, ipcErrorCodes.runFinished));
    await assert.rejects(ipc.emit({ type: 'status', message: 'too late' }), (error) =>
      isIpcError(error, ipcErrorCodes.runFinished),
    );
    const restarted = createRunnerIpc({ dir });
    await assert.rejects(restarted.emit({ type: 'status', message: 'too late' }), (error) =>
      isIpcError(error, ipcErrorCodes.runFinished),
    );
    await assert.rejects(
      createRunnerIpc({ dir: freshDir() }).writeResult({ ...result, toolCalls: -1 }),
      (error) => isIpcError(error, ipcErrorCodes.invalidResult),
    );
  });

  it('takes inputs in order, removes them, sets invalid ones aside and drops redeliveries', async () => {
    const dir = freshDir();
    const layout = await ensureIpcLayout(dir);
    await writeInputFile(layout.input, 2, input(2));
    await writeInputFile(layout.input, 1, input(1));
    await writeFileAtomic(layout.input, buildIpcFileName(3), '{"id": 3}');
    await writeInputFile(layout.input, 4, input(1));
    await writeFile(join(layout.input, `.${buildIpcFileName(5)}.tmp`), '{"half');
    const ipc = createRunnerIpc({ dir });
    assert.deepEqual(await ipc.takeInputs(), [input(1), input(2)]);
    assert.deepEqual(await listPending(layout.input), []);
    assert.equal((await readdir(layout.inputRejected)).length, 1);
    assert.deepEqual(await ipc.takeInputs(), []);
  });

  describe('input hand-over: every input is read by the runner or not acknowledged', () => {
    // The bridge's delivery is write then settle (acknowledged when delivered); the runner's end
    // is close then take. Each order of these four steps, run one step at a time.
    const orders = ['WSCT', 'WCST', 'WCTS', 'CWST', 'CWTS', 'CTWS'];
    for (const order of orders) {
      it(`step order ${order}`, async () => {
        const dir = freshDir();
        const layout = await ensureIpcLayout(dir);
        const runner = createRunnerIpc({ dir });
        await runner.takeInputs();
        let name = '';
        let settled: 'delivered' | 'withdrawn' | undefined;
        const taken: RunInput[] = [];
        const steps: Record<string, () => Promise<void>> = {
          W: async () => {
            name = (await writeInputFile(layout.input, 1, input(1))).name;
          },
          S: async () => {
            settled = await settleInputFile(layout, name);
          },
          C: () => runner.closeInputs(),
          T: async () => {
            taken.push(...(await runner.takeInputs()));
          },
        };
        for (const step of order) await steps[step]!();
        const read = taken.some((i) => i.id === 'in-1');
        assert.equal(settled === 'delivered', read, `acknowledged exactly when read (${settled})`);
        assert.deepEqual(await runner.takeInputs(), [], 'nothing left to read, nothing read twice');
        assert.deepEqual(await readdir(layout.input), [ipcNames.rejected, ipcNames.inputClosed].sort());
      });
    }

    it('a claim racing the withdrawal: exactly one side owns the file', async () => {
      const dir = freshDir();
      const layout = await ensureIpcLayout(dir);
      const runner = createRunnerIpc({ dir });
      await runner.closeInputs();
      for (let n = 1; n <= 200; n++) {
        const { name } = await writeInputFile(layout.input, n, input(n));
        const [taken, settled] = await Promise.all([runner.takeInputs(), settleInputFile(layout, name)]);
        assert.equal(settled === 'delivered', taken.length === 1, `input ${n}: ${settled}`);
      }
      assert.deepEqual(await listPending(layout.input), []);
    });

    it('takeInputsOrClose reopens when inputs arrived, stays closed when none did', async () => {
      const dir = freshDir();
      const layout = await ensureIpcLayout(dir);
      const runner = createRunnerIpc({ dir });
      // Delivered and acknowledged right after the runner's last plain take.
      assert.deepEqual(await runner.takeInputs(), []);
      const first = await writeInputFile(layout.input, 1, input(1));
      assert.equal(await settleInputFile(layout, first.name), 'delivered');
      assert.deepEqual(await runner.takeInputsOrClose(), [input(1)]);
      const second = await writeInputFile(layout.input, 2, input(2));
      assert.equal(await settleInputFile(layout, second.name), 'delivered', 'reopened');
      assert.deepEqual(await runner.takeInputsOrClose(), [input(2)]);
      assert.deepEqual(await runner.takeInputsOrClose(), []);
      const late = await writeInputFile(layout.input, 3, input(3));
      assert.equal(await settleInputFile(layout, late.name), 'withdrawn');
      assert.deepEqual(await listPending(layout.input), []);
    });

    it('writeResult closes input/ before the result exists', async () => {
      const dir = freshDir();
      const layout = await ensureIpcLayout(dir);
      await createRunnerIpc({ dir }).writeResult(result);
      const { name } = await writeInputFile(layout.input, 1, input(1));
      assert.equal(await settleInputFile(layout, name), 'withdrawn');
    });

    it('a restarted runner reopens input/ and takes what the dead one had claimed', async () => {
      const dir = freshDir();
      const layout = await ensureIpcLayout(dir);
      await writeInputFile(layout.input, 1, input(1));
      const dead = createRunnerIpc({ dir });
      await dead.closeInputs();
      // Died between claiming and reading.
      const [file] = await listPending(layout.input);
      await rename(join(layout.input, file!.name), join(layout.input, ipcNames.claimedPrefix + file!.name));
      await writeInputFile(layout.input, 2, input(2));
      const restarted = createRunnerIpc({ dir });
      assert.deepEqual(await restarted.takeInputs(), [input(1), input(2)]);
      const { name } = await writeInputFile(layout.input, 3, input(3));
      assert.equal(await settleInputFile(layout, name), 'delivered', 'reopened');
      assert.deepEqual(await restarted.takeInputsOrClose(), [input(3)]);
    });
  });

  for (const [label, watchDirectory, rescanIntervalMs] of [
    ['noticed by the watch', undefined, 60_000],
    ['noticed by the rescan when the watch misses it', noWatch, 20],
  ] as const) {
    it(`watchInputs delivers new inputs in order (${label})`, async () => {
      const dir = freshDir();
      const layout = await ensureIpcLayout(dir);
      const ipc = createRunnerIpc({ dir, rescanIntervalMs, ...(watchDirectory ? { watchDirectory } : {}) });
      const received: RunInput[] = [];
      const controller = new AbortController();
      const watching = ipc.watchInputs((i) => {
        received.push(i);
      }, controller.signal);
      await new Promise((resolve) => setTimeout(resolve, 20));
      for (let n = 1; n <= 5; n++) await writeInputFile(layout.input, n, input(n));
      await waitFor(() => received.length === 5, 'five inputs');
      controller.abort();
      await watching;
      assert.deepEqual(received, [1, 2, 3, 4, 5].map(input));
    });
  }
});

describe('runner ipc: the session history', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'k8sclaw-history-ipc-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('has none without history.json, reads a valid one, and reports an unusable one', async () => {
    const ipc = createRunnerIpc({ dir, watchDirectory: noWatch });
    assert.equal(await ipc.readHistory(), undefined);
    const history = { ok: true, messages: [{ role: 'user', content: 'hi' }] };
    await writeFileAtomic(dir, ipcNames.history, JSON.stringify(history));
    assert.deepEqual(await ipc.readHistory(), history);
    await writeFileAtomic(dir, ipcNames.history, JSON.stringify({ ok: true, messages: [{ role: 'tool' }] }));
    const broken = await ipc.readHistory();
    assert.equal(broken?.ok, false);
    assert.equal(broken?.ok === false ? broken.reason : '', 'Invalid');
  });
});
