// Benchmark: run events from the runner's /ipc files through the IPC bridge onto NATS JetStream, on
// the host. A real nats-server in operator (JWT) mode; the streams are ensured with the controller's
// credentials; every run's bridge (runBridge) publishes with that run's own credentials over its own
// connection; the runner side (createRunnerIpc) writes in a worker thread, as the agent container
// is a process of its own; /ipc is on tmpfs, as the pod's memory-backed emptyDir.
// Figures: events/s through one bridge and through 10 bridges in parallel; latency from emit (the
// event file in place) to JetStream acknowledging the publish (the event is stored in the stream);
// latency from the result file to the `completed` event reaching the controller's durable consumer
// (consumeCompletedEvents). The EventBus reads only `completed` events from the events stream, so
// chunk latency ends at the stored acknowledgement.
// Usage: node bench/bus-throughput.ts
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Worker, isMainThread, parentPort } from 'node:worker_threads';
import type { RunIdentity } from '../src/api/run-events.ts';
import {
  buildRunInboxPrefix,
  connectEventBus,
  controllerPermissions,
  createBusAuthority,
  issueUserCredentials,
  runBridgePermissions,
  type BusAuthority,
  type EventBus,
} from '../src/eventbus/index.ts';
import { createRunnerIpc, runBridge, type BridgeLogger, type BridgeSummary } from '../src/ipc/index.ts';
import { startNatsServer } from '../test/harness/nats-server.ts';

/** Milliseconds on the monotonic clock, which every thread of the process shares. */
const now = () => Number(process.hrtime.bigint()) / 1e6;

/** What the runner thread is asked to do for a set of runs, all at once. */
interface RunnerTask {
  dirs: string[];
  /** Chunk events per run before the result. */
  events: number;
  /** 0: as fast as the writes go; else one event every `intervalMs`. */
  intervalMs: number;
}

/** When each event file (index seq - 1) and the result file were in place, per run. */
interface RunnerTimes {
  emitted: number[];
  resultWritten: number;
}

type RunnerRequest = { id: number; task: RunnerTask };
type RunnerReply = { id: number; times: RunnerTimes[] } | { id: number; error: string };

const chunkText = 'The quick brown fox jumps over the lazy dog, then writes it all down. ';

async function writeRun(dir: string, task: RunnerTask): Promise<RunnerTimes> {
  const ipc = createRunnerIpc({ dir });
  const emitted: number[] = [];
  const begin = now();
  for (let i = 0; i < task.events; i++) {
    if (task.intervalMs > 0) {
      const wait = begin + i * task.intervalMs - now();
      if (wait > 0) await sleep(wait);
    }
    const { seq } = await ipc.emit({ type: 'chunk', text: chunkText });
    emitted[seq - 1] = now();
  }
  await ipc.writeResult({
    status: 'succeeded',
    response: 'done',
    usage: { input: 10, output: task.events },
    toolCalls: 0,
    memoryUpdates: [],
  });
  return { emitted, resultWritten: now() };
}

/** The worker thread: the runners' side of /ipc. */
function serveRunners(): void {
  const port = parentPort;
  if (!port) throw new Error('not a worker thread');
  port.on('message', (request: RunnerRequest) => {
    Promise.all(request.task.dirs.map((dir) => writeRun(dir, request.task))).then(
      (times) => port.postMessage({ id: request.id, times } satisfies RunnerReply),
      (error: unknown) =>
        port.postMessage({
          id: request.id,
          error: error instanceof Error ? error.message : String(error),
        } satisfies RunnerReply),
    );
  });
}

class RunnerThread {
  private readonly worker = new Worker(new URL(import.meta.url));
  private readonly pending = new Map<
    number,
    { resolve: (times: RunnerTimes[]) => void; reject: (error: Error) => void }
  >();
  private nextId = 1;

  constructor() {
    this.worker.on('message', (reply: RunnerReply) => {
      const waiter = this.pending.get(reply.id);
      this.pending.delete(reply.id);
      if ('error' in reply) waiter?.reject(new Error(`runner thread: ${reply.error}`));
      else waiter?.resolve(reply.times);
    });
    this.worker.on('error', (error) => {
      for (const waiter of this.pending.values()) waiter.reject(error);
      this.pending.clear();
    });
  }

  run(task: RunnerTask): Promise<RunnerTimes[]> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ id, task } satisfies RunnerRequest);
    });
  }

  async stop(): Promise<void> {
    await this.worker.terminate();
  }
}

/** Settles like `promise`, or rejects after `ms`. */
async function within<T>(what: string, ms: number, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
};

async function main(): Promise<void> {
  const ipcRoot = existsSync('/dev/shm') ? '/dev/shm' : os.tmpdir();
  const authority: BusAuthority = await createBusAuthority();
  const nats = await startNatsServer({ authority });
  const runner = new RunnerThread();
  const buses: EventBus[] = [];
  /** Bridges still running and their /ipc directories, stopped and removed on the way out. */
  const running = new Set<{ stop: AbortController; dir: string }>();
  const consuming = new AbortController();
  let consumer: Promise<void> = Promise.resolve();
  /** Called with the receive time of each run's `completed` event, by runUid. */
  const completions = new Map<string, (at: number) => void>();

  interface Run {
    identity: RunIdentity;
    dir: string;
    /** When JetStream acknowledged each chunk, by seq. */
    acked: Map<number, number>;
    /** When the controller's consumer received the run's `completed` event. */
    completed: Promise<number>;
    finish(): Promise<BridgeSummary>;
  }

  const startRun = async (name: string): Promise<Run> => {
    const identity: RunIdentity = { namespace: 'bench', instance: 'bot', run: name, runUid: randomUUID() };
    const dir = await mkdtemp(path.join(ipcRoot, 'k8sclaw-bench-ipc-'));
    const stop = new AbortController();
    const entry = { stop, dir };
    running.add(entry);
    const credentials = await issueUserCredentials(authority, {
      name: `bridge/bench/${name}`,
      permissions: runBridgePermissions(identity),
    });
    const bus = await connectEventBus({
      url: nats.url,
      name: `ipc-bridge/bench/${name}`,
      credentials,
      inboxPrefix: buildRunInboxPrefix(identity),
      connectTimeoutMs: 10_000,
    });
    buses.push(bus);
    const acked = new Map<number, number>();
    const completed = new Promise<number>((resolve) => completions.set(identity.runUid, resolve));
    let started: () => void = () => undefined;
    const ready = new Promise<void>((resolve) => (started = resolve));
    const logger: BridgeLogger = {
      info: (_obj, msg) => {
        if (msg === 'ipc bridge started') started();
      },
      warn: (obj, msg) => console.error(`bridge ${name}: ${msg}`, obj),
      error: (obj, msg) => console.error(`bridge ${name}: ${msg}`, obj),
    };
    const bridge = runBridge({
      dir,
      identity,
      sink: {
        publish: async (event) => {
          const result = await bus.publishRunEvent(event, { timeoutMs: 10_000 });
          if (event.body.type === 'chunk') acked.set(event.seq, now());
          return result;
        },
      },
      signal: stop.signal,
      logger,
    });
    // as in the pod, the runner starts once its bridge watches /ipc
    await within(`bridge ${name} to start`, 10_000, Promise.race([ready, bridge.then(() => undefined)]));
    return {
      identity,
      dir,
      acked,
      completed,
      finish: async () => {
        stop.abort();
        const summary = await within(`bridge ${name} to stop`, 30_000, bridge);
        await bus.close();
        buses.splice(buses.indexOf(bus), 1);
        await rm(dir, { recursive: true, force: true });
        running.delete(entry);
        return summary;
      },
    };
  };

  interface Samples {
    /** Chunk events through the bridges. */
    events: number;
    /** From the first emit to the last completed event received. */
    wallMs: number;
    /** From the first chunk emitted to the last one acknowledged. */
    chunkSpanMs: number;
    /** From the first chunk emitted to the last one emitted. */
    emitSpanMs: number;
    chunkLatencies: number[];
    completedLatencies: number[];
  }

  /** `runs` runs at once, each `events` chunks and a result; waits for every completed event. */
  const runBatch = async (label: string, runs: number, events: number, intervalMs: number) => {
    const started = await Promise.all(Array.from({ length: runs }, (_, i) => startRun(`${label}-${i}`)));
    const begin = now();
    const times = await within(
      `the runners of ${label}`,
      60_000,
      runner.run({ dirs: started.map((r) => r.dir), events, intervalMs }),
    );
    const received = await within(
      `the completed events of ${label}`,
      60_000,
      Promise.all(started.map((r) => r.completed)),
    );
    const samples: Samples = {
      events: runs * events,
      wallMs: Math.max(...received) - begin,
      chunkSpanMs: 0,
      emitSpanMs: 0,
      chunkLatencies: [],
      completedLatencies: [],
    };
    let firstEmit = Infinity;
    let lastEmit = 0;
    let lastAck = 0;
    for (const [i, run] of started.entries()) {
      const written = times[i] as RunnerTimes;
      const summary = await run.finish();
      if (summary.published !== events + 1 || summary.rejected > 0 || !summary.drained) {
        throw new Error(`bridge of ${run.identity.run} ended with ${JSON.stringify(summary)}`);
      }
      for (let seq = 1; seq <= events; seq++) {
        const emittedAt = written.emitted[seq - 1] ?? NaN;
        const ackedAt = run.acked.get(seq) ?? NaN;
        firstEmit = Math.min(firstEmit, emittedAt);
        lastEmit = Math.max(lastEmit, emittedAt);
        lastAck = Math.max(lastAck, ackedAt);
        samples.chunkLatencies.push(ackedAt - emittedAt);
      }
      samples.completedLatencies.push((received[i] as number) - written.resultWritten);
    }
    samples.chunkSpanMs = lastAck - firstEmit;
    samples.emitSpanMs = lastEmit - firstEmit;
    return samples;
  };

  const rows: string[][] = [];
  const ms = (value: number) => value.toFixed(1);
  const report = (scenario: string, shape: string, samples: Samples, paced: boolean) => {
    const chunks = samples.chunkLatencies;
    const done = samples.completedLatencies;
    const few = done.length < 20;
    rows.push([
      scenario,
      shape,
      `${(samples.wallMs / 1000).toFixed(2)} s`,
      paced ? '-' : (samples.events / (samples.emitSpanMs / 1000)).toFixed(0),
      paced ? '-' : (samples.events / (samples.chunkSpanMs / 1000)).toFixed(0),
      `${ms(percentile(chunks, 50))} / ${ms(percentile(chunks, 99))}`,
      `${ms(percentile(done, 50))} / ${ms(few ? Math.max(...done) : percentile(done, 99))}${few ? ' (max)' : ''}`,
    ]);
  };

  try {
    const controllerCredentials = await issueUserCredentials(authority, {
      name: 'controller',
      permissions: controllerPermissions(),
    });
    const controller = await connectEventBus({
      url: nats.url,
      name: 'controller',
      credentials: controllerCredentials,
      connectTimeoutMs: 10_000,
    });
    buses.push(controller);
    await controller.ensureStreams({ timeoutMs: 10_000 });
    consumer = controller.consumeCompletedEvents(
      'bench-completed',
      async (event) => {
        completions.get(event.identity.runUid)?.(now());
      },
      { signal: consuming.signal },
    );

    // connections, JIT and the consumer's first pull: not reported
    await runBatch('warmup', 2, 200, 0);

    report('1 bridge, paced (200/s)', '1 × 1,000', await runBatch('paced', 1, 1000, 5), true);
    report('1 bridge, burst', '1 × 5,000', await runBatch('burst', 1, 5000, 0), false);
    report('10 bridges in parallel, burst', '10 × 500', await runBatch('parallel', 10, 500, 0), false);
    report(
      '10 bridges in parallel, paced (200/s each)',
      '10 × 1,000',
      await runBatch('parallel-paced', 10, 1000, 5),
      true,
    );
    const oneByOne: Samples = {
      events: 0,
      wallMs: 0,
      chunkSpanMs: 0,
      emitSpanMs: 0,
      chunkLatencies: [],
      completedLatencies: [],
    };
    for (let i = 0; i < 100; i++) {
      const samples = await runBatch(`seq${i}`, 1, 1, 0);
      oneByOne.events += samples.events;
      oneByOne.wallMs += samples.wallMs;
      oneByOne.chunkLatencies.push(...samples.chunkLatencies);
      oneByOne.completedLatencies.push(...samples.completedLatencies);
    }
    report('100 runs one after another', '100 × 1', oneByOne, true);

    const header = [
      'scenario',
      'runs × chunks',
      'wall',
      'written/s',
      'stored/s',
      'emit → stored p50 / p99 ms',
      'result → completed received p50 / p99 ms',
    ];
    const widths = header.map((h, c) => Math.max(h.length, ...rows.map((row) => (row[c] ?? '').length)));
    const line = (cells: string[]) => cells.map((cell, c) => cell.padEnd(widths[c] ?? 0)).join('  ');
    console.log(`nats-server ${nats.url} (JWT auth), /ipc on ${ipcRoot}, ${os.cpus().length} CPUs`);
    console.log(line(header));
    for (const row of rows) console.log(line(row));
    console.log(
      'wall: first emit to the last completed event received (one after another: the sum over runs); ' +
        'written/s: chunk files the runners wrote, first to last; stored/s: chunks from the first emit ' +
        'to the last acknowledgement by JetStream',
    );
  } finally {
    for (const { stop } of running) stop.abort();
    consuming.abort();
    await consumer.catch((error: unknown) => console.error('completed consumer ended with', error));
    await Promise.allSettled(buses.map((bus) => bus.close()));
    await runner.stop();
    await nats.destroy();
    for (const { dir } of running) await rm(dir, { recursive: true, force: true });
  }
}

if (isMainThread) await main();
else serveRunners();
