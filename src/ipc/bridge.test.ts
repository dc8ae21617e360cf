import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { RunEvent, RunIdentity, RunInput, RunResult } from '../api/run-events.ts';
import { runBridge, type BridgeOptions, type RunEventSink, type RunInputSource } from './bridge.ts';
import { ipcErrorCodes, isIpcError } from './ipc-error.ts';
import {
  buildIpcFileName,
  ensureIpcLayout,
  ipcLayout,
  ipcNames,
  listPending,
  parseIpcFileName,
  writeFileAtomic,
} from './protocol.ts';
import { createRunnerIpc } from './runner-ipc.ts';

const identity: RunIdentity = {
  namespace: 'team-a',
  instance: 'helper',
  run: 'helper-run-1',
  runUid: 'uid-1',
};
const result: RunResult = {
  status: 'succeeded',
  response: 'done',
  usage: { input: 10, output: 5 },
  toolCalls: 1,
  memoryUpdates: [],
};
const noWatch = () => ({ close: () => undefined });
const never = new Promise<never>(() => undefined);

/** The bus as the bridge sees it: stores by id and reports duplicates, like JetStream's dedupe. */
class FakeBus implements RunEventSink {
  readonly stored = new Map<string, RunEvent>();
  /** Events in the order the bus first accepted them. */
  readonly log: RunEvent[] = [];
  readonly calls: RunEvent[] = [];
  /** Called before storing; throw to fail the publish. */
  failWhen: (event: RunEvent, call: number) => boolean = () => false;
  /** Called after storing; true loses the acknowledgement (the bridge "dies" waiting for it). */
  hangWhen: (event: RunEvent) => boolean = () => false;

  async publish(event: RunEvent): Promise<{ duplicate: boolean }> {
    this.calls.push(event);
    if (this.failWhen(event, this.calls.length)) throw new Error('bus unavailable');
    const duplicate = this.stored.has(event.id);
    if (!duplicate) {
      this.stored.set(event.id, event);
      this.log.push(event);
    }
    if (this.hangWhen(event)) return never;
    return { duplicate };
  }

  types(): string[] {
    return this.log.map((e) => e.body.type);
  }
}

class FakeInputs implements RunInputSource {
  readonly queue: RunInput[] = [];
  readonly acked: string[] = [];
  readonly nacked: string[] = [];

  async consume(handler: (input: RunInput) => Promise<void>, { signal }: { signal: AbortSignal }) {
    while (!signal.aborted) {
      const next = this.queue.shift();
      if (!next) {
        await new Promise((resolve) => setTimeout(resolve, 2));
        continue;
      }
      try {
        await handler(next);
        this.acked.push(next.id);
      } catch (error) {
        assert.ok(isIpcError(error, ipcErrorCodes.runFinished));
        this.nacked.push(next.id);
      }
    }
  }
}

const input = (n: number): RunInput => ({
  id: `in-${n}`,
  time: '2025-01-01T00:00:00.000Z',
  text: `message ${n}`,
});

async function waitFor(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 5000) {
  const until = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > until) assert.fail(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

function startBridge(options: Partial<BridgeOptions> & Pick<BridgeOptions, 'dir' | 'sink'>) {
  const controller = new AbortController();
  const done = runBridge({
    identity,
    signal: controller.signal,
    rescanIntervalMs: 20,
    drainTimeoutMs: 2000,
    retry: { initialDelayMs: 1, maxDelayMs: 10 },
    ...options,
  });
  return {
    done,
    stop: () => {
      controller.abort();
      return done;
    },
  };
}

describe('ipc bridge', () => {
  let root: string;
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'k8sclaw-ipc-bridge-'));
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
  });
  let counter = 0;
  const freshDir = () => join(root, `case-${++counter}`);

  it('publishes 500 quickly written events in order with its own identity, then completed', async () => {
    const dir = freshDir();
    const bus = new FakeBus();
    const bridge = startBridge({ dir, sink: bus });
    const runner = createRunnerIpc({ dir });
    const emitted = [];
    for (let i = 0; i < 500; i++) emitted.push(await runner.emit({ type: 'chunk', text: `t${i}` }));
    await runner.writeResult(result);
    await waitFor(() => bus.stored.has('uid-1:completed'), 'the completed event');
    const summary = await bridge.stop();

    assert.equal(bus.log.length, 501);
    assert.deepEqual(
      bus.log.map((e) => e.seq),
      Array.from({ length: 501 }, (_, i) => i + 1),
    );
    assert.deepEqual(
      bus.log.slice(0, 500).map((e) => (e.body.type === 'chunk' ? e.body.text : '')),
      Array.from({ length: 500 }, (_, i) => `t${i}`),
    );
    assert.deepEqual(
      bus.log.slice(0, 500).map((e) => e.id),
      emitted.map((e) => `uid-1:${parseIpcFileName(e.name)?.uuid}`),
    );
    for (const event of bus.log) assert.deepEqual(event.identity, identity);
    const completed = bus.log[500];
    assert.deepEqual(completed?.body, { type: 'completed', result });
    assert.deepEqual(summary, {
      published: 501,
      duplicates: 0,
      rejected: 0,
      completedPublished: true,
      inputsDelivered: 0,
      drained: true,
    });
    assert.deepEqual(await listPending(ipcLayout(dir).events), []);
    assert.deepEqual(
      (await readdir(ipcLayout(dir).events)).filter((n) => n.startsWith(ipcNames.publishedPrefix)),
      [ipcNames.publishedPrefix + emitted[499]?.name],
      'only the last published event is kept, as a marker',
    );
    const marker = JSON.parse(await readFile(ipcLayout(dir).completedMarker, 'utf8'));
    assert.deepEqual({ id: marker.id, seq: marker.seq }, { id: 'uid-1:completed', seq: 501 });
  });

  it('takes time from the file and identity only from itself', async () => {
    const dir = freshDir();
    const layout = await ensureIpcLayout(dir);
    const forged = {
      time: '2025-03-04T05:06:07.000Z',
      identity: { ...identity, namespace: 'someone-else' },
      body: { type: 'status', message: 'hello' },
    };
    const name = buildIpcFileName(1);
    await writeFileAtomic(layout.events, name, JSON.stringify(forged));
    const bus = new FakeBus();
    await startBridge({ dir, sink: bus, watchDirectory: noWatch }).stop();
    assert.deepEqual(bus.log, [
      {
        id: `uid-1:${parseIpcFileName(name)?.uuid}`,
        seq: 1,
        time: '2025-03-04T05:06:07.000Z',
        identity,
        body: { type: 'status', message: 'hello' },
      },
    ]);
  });

  it('finds files a watch missed on the next rescan', async () => {
    const dir = freshDir();
    const bus = new FakeBus();
    const bridge = startBridge({ dir, sink: bus, watchDirectory: noWatch, rescanIntervalMs: 25 });
    const runner = createRunnerIpc({ dir });
    await new Promise((resolve) => setTimeout(resolve, 30));
    await runner.emit({ type: 'status', message: 'unwatched' });
    await runner.writeResult(result);
    await waitFor(() => bus.log.length === 2, 'rescan to publish');
    await bridge.stop();
    assert.deepEqual(bus.types(), ['status', 'completed']);
  });

  it('is woken by the watch without waiting for the rescan', async () => {
    const dir = freshDir();
    const bus = new FakeBus();
    const bridge = startBridge({ dir, sink: bus, rescanIntervalMs: 60_000 });
    await new Promise((resolve) => setTimeout(resolve, 30));
    await createRunnerIpc({ dir }).emit({ type: 'status', message: 'watched' });
    await waitFor(() => bus.log.length === 1, 'watch to publish');
    await bridge.stop();
  });

  it('retries a failing sink without skipping ahead or losing events', async () => {
    const dir = freshDir();
    const runner = createRunnerIpc({ dir });
    for (let i = 0; i < 30; i++) await runner.emit({ type: 'chunk', text: `t${i}` });
    await runner.writeResult(result);
    const bus = new FakeBus();
    // A long outage first, then every other publish fails.
    bus.failWhen = (_event, call) => call <= 5 || call % 2 === 0;
    const summary = await startBridge({ dir, sink: bus }).stop();
    assert.deepEqual(
      bus.log.map((e) => e.seq),
      Array.from({ length: 31 }, (_, i) => i + 1),
    );
    const attempted = bus.calls.map((e) => e.seq);
    for (let i = 1; i < attempted.length; i++) {
      assert.ok((attempted[i] ?? 0) >= (attempted[i - 1] ?? 0), 'attempts never go back or skip ahead');
    }
    assert.ok(bus.calls.length > 31);
    assert.equal(summary.published, 31);
    assert.equal(summary.completedPublished, true);
  });

  it('retries a publish whose confirmation is lost, as the same event', async () => {
    const dir = freshDir();
    const runner = createRunnerIpc({ dir });
    for (let i = 1; i <= 3; i++) await runner.emit({ type: 'status', message: `m${i}` });
    const bus = new FakeBus();
    let hung = false;
    bus.hangWhen = (event) => event.seq === 2 && !hung && (hung = true);
    const summary = await startBridge({
      dir,
      sink: bus,
      retry: { initialDelayMs: 1, maxDelayMs: 10, publishTimeoutMs: 50 },
    }).stop();
    assert.deepEqual(
      bus.calls.map((e) => e.seq),
      [1, 2, 2, 3],
    );
    assert.deepEqual(bus.calls[1], bus.calls[2]);
    // The bus stored the first attempt, so the bridge's retry is the duplicate.
    assert.deepEqual(
      { published: summary.published, duplicates: summary.duplicates },
      { published: 2, duplicates: 1 },
    );
    assert.deepEqual(
      bus.log.map((e) => e.seq),
      [1, 2, 3],
    );
  });

  it('republishes unconfirmed events after a crash with the same ids, which the bus reports as duplicates', async () => {
    const dir = freshDir();
    const runner = createRunnerIpc({ dir });
    for (let i = 1; i <= 5; i++) await runner.emit({ type: 'status', message: `m${i}` });
    const bus = new FakeBus();
    // The bus stores event 3 but its acknowledgement never arrives: the bridge dies waiting.
    bus.hangWhen = (event) => event.seq === 3;
    const first = await startBridge({ dir, sink: bus, drainTimeoutMs: 50 }).stop();
    assert.deepEqual(first, {
      published: 2,
      duplicates: 0,
      rejected: 0,
      completedPublished: false,
      inputsDelivered: 0,
      drained: false,
    });
    assert.deepEqual(
      (await listPending(ipcLayout(dir).events)).map((f) => f.seq),
      [3, 4, 5],
      'unconfirmed files are kept',
    );

    bus.hangWhen = () => false;
    const second = await startBridge({ dir, sink: bus }).stop();
    assert.equal(second.duplicates, 1);
    assert.equal(second.published, 2);
    assert.deepEqual(
      bus.calls.map((e) => e.seq),
      [1, 2, 3, 3, 4, 5],
    );
    assert.equal(bus.calls[2]?.id, bus.calls[3]?.id);
    assert.deepEqual(
      bus.log.map((e) => e.seq),
      [1, 2, 3, 4, 5],
    );
    assert.deepEqual(await listPending(ipcLayout(dir).events), []);
  });

  it('publishes completed exactly once, also across restarts and a crash before the marker', async () => {
    const dir = freshDir();
    const runner = createRunnerIpc({ dir });
    await runner.emit({ type: 'started', provider: 'openai', model: 'gpt' });
    await runner.writeResult(result);
    const bus = new FakeBus();
    bus.hangWhen = (event) => event.body.type === 'completed';
    const crashed = await startBridge({ dir, sink: bus, drainTimeoutMs: 50 }).stop();
    assert.equal(crashed.completedPublished, false);

    bus.hangWhen = () => false;
    const restarted = await startBridge({ dir, sink: bus }).stop();
    assert.equal(restarted.completedPublished, true);
    assert.equal(restarted.duplicates, 1);
    const completedCalls = bus.calls.filter((e) => e.body.type === 'completed');
    assert.equal(completedCalls.length, 2);
    assert.deepEqual(completedCalls[0], completedCalls[1], 'the republish is the same event');

    const again = await startBridge({ dir, sink: bus }).stop();
    assert.equal(again.completedPublished, true);
    assert.equal(again.published + again.duplicates, 0);
    assert.equal(bus.calls.filter((e) => e.body.type === 'completed').length, 2);
    assert.deepEqual(bus.types(), ['started', 'completed']);
  });

  it('sets invalid files aside without blocking the ones after them', async () => {
    const dir = freshDir();
    const layout = await ensureIpcLayout(dir);
    const time = '2025-01-01T00:00:00.000Z';
    const files: [number, string][] = [
      [1, JSON.stringify({ time, body: { type: 'status', message: 'first' } })],
      [2, '{"time": "2025'],
      [3, JSON.stringify({ time, body: { type: 'chunk' } })],
      [4, JSON.stringify({ time, body: { type: 'completed', result } })],
      [5, JSON.stringify({ time, body: { type: 'status', message: 'last' } })],
    ];
    for (const [seq, text] of files) await writeFileAtomic(layout.events, buildIpcFileName(seq), text);
    await writeFile(join(layout.events, 'stray.json'), '{}');
    const temp = `.${buildIpcFileName(6)}.tmp`;
    await writeFile(join(layout.events, temp), '{"half');
    const bus = new FakeBus();
    const summary = await startBridge({ dir, sink: bus }).stop();
    assert.deepEqual(
      bus.log.map((e) => e.seq),
      [1, 5],
    );
    assert.equal(summary.rejected, 4);
    assert.equal((await readdir(layout.eventsRejected)).length, 4);
    assert.ok((await readdir(layout.events)).includes(temp), 'temp files untouched');
  });

  it('publishes a failed completed event when result.json is invalid', async () => {
    const dir = freshDir();
    const layout = await ensureIpcLayout(dir);
    await writeFileAtomic(layout.output, ipcNames.result, JSON.stringify({ status: 'maybe' }));
    const bus = new FakeBus();
    const summary = await startBridge({ dir, sink: bus }).stop();
    assert.equal(summary.rejected, 1);
    const body = bus.log[0]?.body;
    assert.equal(body?.type, 'completed');
    assert.equal(body?.type === 'completed' ? body.result.status : '', 'failed');
    assert.equal(body?.type === 'completed' ? body.result.reason : '', 'RunnerError');
  });

  it('sets aside events written after completed', async () => {
    const dir = freshDir();
    const layout = await ensureIpcLayout(dir);
    await createRunnerIpc({ dir }).writeResult(result);
    const bus = new FakeBus();
    await startBridge({ dir, sink: bus }).stop();
    // A runner bug: an event after its own result.
    const late = JSON.stringify({
      time: '2025-01-01T00:00:00.000Z',
      body: { type: 'status', message: 'late' },
    });
    await writeFileAtomic(layout.events, buildIpcFileName(5), late);
    const summary = await startBridge({ dir, sink: bus }).stop();
    assert.equal(summary.rejected, 1);
    assert.deepEqual(bus.types(), ['completed']);
  });

  it('delivers inputs as files the runner takes in order, acknowledging only written ones', async () => {
    const dir = freshDir();
    const bus = new FakeBus();
    const inputs = new FakeInputs();
    inputs.queue.push(input(1), input(2), input(3));
    const bridge = startBridge({ dir, sink: bus, inputs });
    await waitFor(() => inputs.acked.length === 3, 'three inputs acknowledged');
    const runner = createRunnerIpc({ dir });
    assert.deepEqual(await runner.takeInputs(), [input(1), input(2), input(3)]);

    inputs.queue.push(input(4));
    await waitFor(() => inputs.acked.length === 4, 'a fourth input');
    await runner.writeResult(result);
    await waitFor(() => bus.log.length === 1, 'the completed event');
    inputs.queue.push(input(5));
    const summary = await bridge.stop();
    assert.deepEqual(await runner.takeInputs(), [input(4)]);
    assert.deepEqual(inputs.acked, ['in-1', 'in-2', 'in-3', 'in-4']);
    assert.equal(summary.inputsDelivered, 4);
    assert.ok(!inputs.acked.includes('in-5'), 'no input is acknowledged once the run has its result');
  });

  it('refuses inputs after the result even when its consumer still delivers them', async () => {
    const dir = freshDir();
    const layout = await ensureIpcLayout(dir);
    let handler: ((input: RunInput) => Promise<void>) | undefined;
    const source: RunInputSource = {
      consume: (h, { signal }) => {
        handler = h;
        return new Promise((resolve) => signal.addEventListener('abort', () => resolve()));
      },
    };
    const bridge = startBridge({ dir, sink: new FakeBus(), inputs: source });
    await waitFor(() => handler !== undefined, 'the consumer');
    await createRunnerIpc({ dir }).writeResult(result);
    await assert.rejects(handler?.(input(1)) ?? Promise.resolve(), (error) =>
      isIpcError(error, ipcErrorCodes.runFinished),
    );
    await bridge.stop();
    assert.deepEqual(await listPending(layout.input), []);
  });

  it('does not acknowledge an input the runner closed input/ without taking', async () => {
    const dir = freshDir();
    const layout = await ensureIpcLayout(dir);
    let handler: ((input: RunInput) => Promise<void>) | undefined;
    const source: RunInputSource = {
      consume: (h, { signal }) => {
        handler = h;
        return new Promise((resolve) => signal.addEventListener('abort', () => resolve()));
      },
    };
    const bridge = startBridge({ dir, sink: new FakeBus(), inputs: source });
    await waitFor(() => handler !== undefined, 'the consumer');
    const runner = createRunnerIpc({ dir });
    assert.deepEqual(await runner.takeInputsOrClose(), []);
    await assert.rejects(handler?.(input(1)) ?? Promise.resolve(), (error) =>
      isIpcError(error, ipcErrorCodes.runFinished),
    );
    assert.deepEqual(await listPending(layout.input), [], 'withdrawn, left to the bus');
    await runner.reopenInputs();
    await handler?.(input(1));
    assert.deepEqual(await runner.takeInputsOrClose(), [input(1)]);
    assert.equal((await bridge.stop()).inputsDelivered, 1);
  });

  it('drains on abort: publishes everything written since the last look, then the result', async () => {
    const dir = freshDir();
    const bus = new FakeBus();
    // Neither watch nor rescan will notice anything: only the final drain can.
    const bridge = startBridge({ dir, sink: bus, watchDirectory: noWatch, rescanIntervalMs: 60_000 });
    await new Promise((resolve) => setTimeout(resolve, 30));
    const runner = createRunnerIpc({ dir });
    for (let i = 0; i < 20; i++) await runner.emit({ type: 'chunk', text: `t${i}` });
    await runner.writeResult(result);
    assert.equal(bus.log.length, 0);
    const summary = await bridge.stop();
    assert.equal(bus.log.length, 21);
    assert.equal(bus.log.at(-1)?.body.type, 'completed');
    assert.equal(summary.drained, true);
    assert.equal(summary.completedPublished, true);
  });

  it('bounds the drain when the sink never answers', async () => {
    const dir = freshDir();
    await createRunnerIpc({ dir }).emit({ type: 'status', message: 'stuck' });
    const sink: RunEventSink = { publish: () => never };
    const started = Date.now();
    const summary = await startBridge({ dir, sink, drainTimeoutMs: 100 }).stop();
    assert.ok(Date.now() - started < 2000);
    assert.equal(summary.drained, false);
    assert.equal((await listPending(ipcLayout(dir).events)).length, 1);
  });

  it('rejects an invalid identity at start', async () => {
    await assert.rejects(
      runBridge({
        dir: freshDir(),
        identity: { ...identity, runUid: '' },
        sink: new FakeBus(),
        signal: new AbortController().signal,
      }),
      (error) => isIpcError(error, ipcErrorCodes.invalidIdentity),
    );
  });

  it('lets a restarted runner continue numbering after everything was published', async () => {
    const dir = freshDir();
    const bus = new FakeBus();
    const first = createRunnerIpc({ dir });
    for (let i = 0; i < 3; i++) await first.emit({ type: 'status', message: `m${i}` });
    await startBridge({ dir, sink: bus }).stop();
    assert.deepEqual(await listPending(ipcLayout(dir).events), []);
    await createRunnerIpc({ dir }).emit({ type: 'status', message: 'after restart' });
    await startBridge({ dir, sink: bus }).stop();
    assert.deepEqual(
      bus.log.map((e) => e.seq),
      [1, 2, 3, 4],
    );
  });
});
