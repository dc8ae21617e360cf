// Benchmark: what a chat channel adds to a run's round trip. On loopback: the harness etcd +
// kube-apiserver, a real nats-server with the bus authority, a real PostgreSQL, the API server
// binary, and the channel program for Telegram (src/cmd/channel.ts, started as its Deployment
// would, test/harness/channel-stack.ts) polling the Telegram fake, which runs in this process. No
// agent pod runs: as soon as an AgentRun appears in this process's watch, a stand-in of the run's
// IPC bridge connects with the run's own credentials and publishes its completion.
// Per message, three ways, one after another (interleaved, so all three see the same load):
// - channel: the person's message pushed into the fake → the AgentRun in the watch (a); the
//   completion published → the reply's sendMessage accepted by the fake (b); total;
// - direct: `POST …/instances/{name}/messages` (202 at once) → the AgentRun in the watch (a); the
//   completion published → the run recorded in the session store (b: the start of the recording's
//   transaction, PostgreSQL's recorded_at; the channel's reply is published after its commit); total;
// - direct with `?wait=60`: the same, (b) ending when the API server answers the POST.
// The total includes the stand-in's connection to the bus (credentials issued, connected), shown
// apart and taken out of the last figure (a real bridge is connected before its run completes).
// Figures: p50, p99 and max per segment.
// Usage: node bench/channel-round-trip.ts [messages=200] [concurrency=1]
// (with concurrency c, c people in c chats, and c API sessions, each sending one after another)
import os from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import type { AgentRun } from '../src/api/index.ts';
import { KubeClient, ResourceInformer } from '../src/kube/index.ts';
import { SessionStore } from '../src/session/index.ts';
import { startTelegramFake } from '../test/fakes/telegram/index.ts';
import { startChannelStack, type ChannelStack } from '../test/harness/channel-stack.ts';
import { startControlPlane } from '../test/harness/control-plane.ts';

const messages = Number(process.argv[2] ?? 200);
const concurrency = Number(process.argv[3] ?? 1);
const warmUp = 5;
const instanceName = 'claw';
const token = '123456:BENCH-token';
const ada = { id: 42, username: 'ada', firstName: 'Ada' };
const stepTimeoutMs = 60_000;

interface Sample {
  /** message in → AgentRun in the watch */
  toRun: number;
  /** AgentRun in the watch → the stand-in connected, about to publish */
  standIn: number;
  /** completion published → reply out */
  back: number;
  total: number;
  /** total less the stand-in's connection: what the path itself takes, a bridge being connected all along */
  path: number;
}

const now = () => performance.now();
const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? NaN;
const load = () =>
  os
    .loadavg()
    .map((value) => value.toFixed(1))
    .join(' ');

const controlPlane = await startControlPlane();
// the API server fixtures read the control plane from here, as integration tests do
process.env.K8SCLAW_TEST_KUBECONFIG = controlPlane.kubeconfigPath;
const kube = KubeClient.fromKubeconfigFile(controlPlane.kubeconfigPath);
const telegram = await startTelegramFake({ token });
const stopping: (() => Promise<unknown>)[] = [() => controlPlane.stop(), () => telegram.close()];
try {
  const stack: ChannelStack = await startChannelStack({
    kube,
    name: 'bench-channel',
    instanceName,
    channel: {
      type: 'telegram',
      secretRef: { name: 'claw-telegram' },
      accessControl: { allowedSenders: ['ada'] },
    },
    logLevel: 'warn',
  });
  stopping.unshift(() => stack.stop());
  await stack.startChannel({
    secrets: { TELEGRAM_BOT_TOKEN: token, K8SCLAW_TELEGRAM_API_ROOT: telegram.apiRoot },
  });
  const store = new SessionStore({ databaseUrl: stack.databaseUrl });
  stopping.unshift(() => store.close());

  // every AgentRun of the tenant as the watch delivers it, by its task (each message's text is unique)
  const appeared = new Map<string, { run: AgentRun; at: number }>();
  const waiting = new Map<string, (seen: { run: AgentRun; at: number }) => void>();
  const runs = new ResourceInformer<AgentRun>(
    kube,
    { apiVersion: 'k8sclaw.io/v1alpha1', kind: 'AgentRun', plural: 'agentruns' },
    { namespace: stack.tenantNs },
  );
  runs.on((event, run) => {
    if (event !== 'add') return;
    const seen = { run, at: now() };
    const resolve = waiting.get(run.spec.task);
    if (resolve) resolve(seen);
    else appeared.set(run.spec.task, seen);
  });
  await runs.start();
  stopping.unshift(() => runs.stop());
  const runOf = (task: string) =>
    new Promise<{ run: AgentRun; at: number }>((resolve, reject) => {
      const early = appeared.get(task);
      if (early) return resolve(early);
      const timer = setTimeout(
        () => reject(new Error(`no AgentRun for "${task}" after 60 s`)),
        stepTimeoutMs,
      );
      waiting.set(task, (seen) => {
        clearTimeout(timer);
        waiting.delete(task);
        resolve(seen);
      });
    });

  /** Polls until `check` gives a time (bounded), every `everyMs`. */
  const until = async (
    what: string,
    everyMs: number,
    check: () => Promise<number | undefined> | number | undefined,
  ) => {
    const deadline = now() + stepTimeoutMs;
    for (;;) {
      const at = await check();
      if (at !== undefined) return at;
      if (now() > deadline) throw new Error(`${what}: not after 60 s`);
      await sleep(everyMs);
    }
  };

  /** The stand-in bridge publishes the run's completion; answers when it published and when it began. */
  const complete = async (run: AgentRun, seenAt: number, reply: string) => {
    const bridge = await stack.connectBridge(run);
    const published = now();
    await bridge.complete(reply);
    return { standIn: published - seenAt, published, close: () => bridge.close() };
  };

  const messagesUrl = `${stack.server.url}/api/v1/namespaces/${stack.tenantNs}/instances/${instanceName}/messages`;
  const post = (sessionKey: string, text: string, wait: boolean) =>
    fetch(`${messagesUrl}${wait ? '?wait=60' : ''}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${stack.tenantToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ sessionKey, text }),
    });

  const viaChannel = async (i: number, worker: number): Promise<Sample> => {
    const chatId = 1000 + worker;
    const text = `channel message ${i}`;
    const reply = `channel reply ${i}`;
    const seen = runOf(text);
    const start = now();
    telegram.pushMessage({ chatId, from: ada, text });
    const { run, at } = await seen;
    const { standIn, published, close } = await complete(run, at, reply);
    const sent = await until(`the reply "${reply}"`, 10, () => {
      const calls = telegram.calls;
      for (let k = calls.length - 1; k >= 0; k -= 1) {
        const call = calls[k];
        if (call?.method === 'sendMessage' && call.params.text === reply) return call.receivedAt;
      }
      return undefined;
    });
    await close();
    return {
      toRun: at - start,
      standIn,
      back: sent - published,
      total: sent - start,
      path: sent - start - standIn,
    };
  };

  const direct = async (i: number, worker: number, wait: boolean): Promise<Sample> => {
    const sessionKey = `api:bench-${wait ? 'wait' : 'direct'}-${worker}`;
    const text = `${wait ? 'waited' : 'direct'} message ${i}`;
    const reply = `${wait ? 'waited' : 'direct'} reply ${i}`;
    const seen = runOf(text);
    const start = now();
    const answer = post(sessionKey, text, wait).then(async (response) => {
      const body = (await response.json()) as { status?: string; reply?: string };
      return { at: now(), status: response.status, body };
    });
    if (!wait) {
      const accepted = await answer;
      if (accepted.status !== 202)
        throw new Error(`POST messages: ${accepted.status} ${JSON.stringify(accepted.body)}`);
    }
    const { run, at } = await seen;
    const { standIn, published, close } = await complete(run, at, reply);
    let done: number;
    if (wait) {
      const answered = await answer;
      if (answered.status !== 200 || answered.body.reply !== reply)
        throw new Error(`POST messages?wait: ${answered.status} ${JSON.stringify(answered.body)}`);
      done = answered.at;
    } else {
      // the time PostgreSQL gives the recording's transaction (recorded_at, its start), not the time
      // this poll saw it: polling more often would take CPU from the recorder on a busy machine
      done = await until(`the run of "${text}" recorded`, 20, async () => {
        const record = await store.fetchRun(run.metadata.uid ?? '');
        return record ? record.recordedAt.getTime() - performance.timeOrigin : undefined;
      });
    }
    await close();
    return {
      toRun: at - start,
      standIn,
      back: done - published,
      total: done - start,
      path: done - start - standIn,
    };
  };

  const ways = {
    channel: (i: number, worker: number) => viaChannel(i, worker),
    direct: (i: number, worker: number) => direct(i, worker, false),
    'direct ?wait': (i: number, worker: number) => direct(i, worker, true),
  };
  type Way = keyof typeof ways;
  const samples = new Map<Way, Sample[]>(Object.keys(ways).map((way) => [way as Way, []]));

  console.log(
    `channel round trip: ${messages} messages each way (after ${warmUp} not counted), concurrency ${concurrency}; ` +
      `load average ${load()} (${os.cpus().length} cores)`,
  );
  const started = now();
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async (_, worker) => {
      for (let i = next++; i < messages + warmUp * concurrency; i = next++) {
        for (const [way, measure] of Object.entries(ways) as [Way, (typeof ways)[Way]][]) {
          const sample = await measure(i, worker);
          if (i >= warmUp * concurrency) samples.get(way)?.push(sample);
        }
      }
    }),
  );
  console.log(`measured in ${((now() - started) / 1000).toFixed(0)} s; load average ${load()}`);

  const figure = (values: number[]) => {
    const sorted = [...values].sort((a, b) => a - b);
    return `p50 ${percentile(sorted, 50).toFixed(1)} / p99 ${percentile(sorted, 99).toFixed(1)} / max ${(sorted.at(-1) ?? NaN).toFixed(1)} ms`;
  };
  const rows: [string, keyof Sample][] = [
    ['message in → AgentRun (a)', 'toRun'],
    ['stand-in bridge connects', 'standIn'],
    ['completion → reply out (b)', 'back'],
    ['total', 'total'],
    ['total less the stand-in', 'path'],
  ];
  for (const [way, list] of samples) {
    console.log(`${way} (${list.length} messages):`);
    for (const [label, key] of rows) console.log(`  ${label.padEnd(28)} ${figure(list.map((s) => s[key]))}`);
  }
  const median = (way: Way, key: keyof Sample) =>
    percentile(
      (samples.get(way) ?? []).map((s) => s[key]).sort((a, b) => a - b),
      50,
    );
  console.log(
    `the channel's added cost at p50: (a) ${(median('channel', 'toRun') - median('direct', 'toRun')).toFixed(1)} ms, ` +
      `(b) ${(median('channel', 'back') - median('direct', 'back')).toFixed(1)} ms, ` +
      `total less the stand-in ${(median('channel', 'path') - median('direct', 'path')).toFixed(1)} ms (channel against direct)`,
  );
} finally {
  for (const stop of stopping) await stop().catch((error: unknown) => console.error(error));
}
