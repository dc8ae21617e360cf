// Benchmark: WebSocket clients each following one run's events through the API server binary
// (`…/runs/{name}/events/watch`). A real control plane (TokenReview, SubjectAccessReview, the
// AgentRuns), a real nats-server (JetStream, without credentials) and the API server as its own
// process without a database, so every event reaches the clients through the bus. This process
// publishes as the runs' bridges would (one chunk per run every `intervalMs`, then the completed
// event) and holds the clients (Node's WebSocket), so it shares the 2 cores with the API server.
// Figures: delivery latency (publish call → frame received), events delivered, lost and repeated,
// and the API server's peak RSS.
// Usage: node bench/event-stream-delivery.ts [clients=100] [eventsPerRun=50] [intervalMs=100]
// BENCH_NODE_OPTIONS is passed to the API server as NODE_OPTIONS (e.g. `--cpu-prof --cpu-prof-dir=DIR`).
import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { apiVersion, type AgentRun, type RunEvent, type RunIdentity } from '../src/api/index.ts';
import { connectEventBus } from '../src/eventbus/index.ts';
import { KubeClient } from '../src/kube/index.ts';
import { startApiServerProcess } from '../test/harness/api-server-process.ts';
import { startControlPlane } from '../test/harness/control-plane.ts';
import { installCrds } from '../test/harness/crds.ts';
import { eventually } from '../test/harness/eventually.ts';
import { startNatsServer } from '../test/harness/nats-server.ts';
import { createTestNamespace } from '../test/harness/test-namespace.ts';

const clients = Number(process.argv[2] ?? 100);
const eventsPerRun = Number(process.argv[3] ?? 50);
const intervalMs = Number(process.argv[4] ?? 100);
const group = { group: 'k8sclaw.io', version: 'v1alpha1' };
const instance = 'claw';

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;

const controlPlane = await startControlPlane();
// the API server fixtures read the control plane from here, as integration tests do
process.env.K8SCLAW_TEST_KUBECONFIG = controlPlane.kubeconfigPath;
const { createApiServerIdentity, createServiceAccountToken, grantInNamespace, tenantRules } =
  await import('../test/integration/apiserver/api-fixtures.ts');
const kube = KubeClient.fromKubeconfigFile(controlPlane.kubeconfigPath);
const nats = await startNatsServer();
const stopping: (() => Promise<unknown>)[] = [() => nats.destroy(), () => controlPlane.stop()];
try {
  await installCrds(kube);
  const systemNs = await createTestNamespace(kube, 'bench-streams');
  const namespace = await createTestNamespace(kube, 'bench-streams-tenant');
  const token = await createServiceAccountToken(kube, namespace, 'tenant');
  await grantInNamespace(kube, namespace, { namespace, name: 'tenant' }, tenantRules);
  const bus = await connectEventBus({ url: nats.url, name: 'bench', connectTimeoutMs: 10_000 });
  stopping.unshift(() => bus.close());
  await bus.ensureStreams();
  const identity = await createApiServerIdentity(kube, systemNs);
  const server = await startApiServerProcess({
    kubeconfig: identity.kubeconfigFile,
    env: {
      EVENT_BUS_URL: nats.url,
      LOG_LEVEL: 'warn',
      K8SCLAW_API_REVIEW_CACHE_SECONDS: '60',
      ...(process.env.BENCH_NODE_OPTIONS ? { NODE_OPTIONS: process.env.BENCH_NODE_OPTIONS } : {}),
    },
  });
  stopping.unshift(() => server.stop());

  const runs: RunIdentity[] = [];
  for (let i = 0; i < clients; i += 20) {
    const batch = Array.from({ length: Math.min(20, clients - i) }, (_, j) => `run-${i + j}`);
    for (const name of batch) {
      const run = (await kube.customObjects.createNamespacedCustomObject({
        ...group,
        namespace,
        plural: 'agentruns',
        body: {
          apiVersion,
          kind: 'AgentRun',
          metadata: { name, namespace },
          spec: { instanceRef: instance, task: 't' },
        },
      })) as AgentRun;
      runs.push({ namespace, instance, run: name, runUid: run.metadata.uid ?? '' });
    }
  }

  const sentAt = new Map<string, number>();
  const latencies: number[] = [];
  let received = 0;
  let repeated = 0;
  let closedNormally = 0;
  const seen = new Set<string>();
  const sockets = runs.map((run) => {
    const socket = new WebSocket(
      `${server.url.replace(/^http/, 'ws')}/api/v1/namespaces/${namespace}/runs/${run.run}/events/watch`,
      {
        headers: { authorization: `Bearer ${token}` },
      } as never,
    );
    socket.addEventListener('message', (message) => {
      const event = JSON.parse(String(message.data)) as RunEvent;
      const key = `${event.identity.runUid}:${event.seq}`;
      received += 1;
      if (seen.has(key)) repeated += 1;
      seen.add(key);
      const sent = sentAt.get(key);
      if (sent !== undefined) latencies.push(performance.now() - sent);
    });
    socket.addEventListener('close', (event) => (closedNormally += event.code === 1000 ? 1 : 0));
    return new Promise<void>((resolve, reject) => {
      socket.addEventListener('open', () => resolve(), { once: true });
      socket.addEventListener('error', () => reject(new Error(`stream of ${run.run} did not open`)), {
        once: true,
      });
    });
  });
  const openStarted = performance.now();
  await Promise.all(sockets);
  const openSeconds = (performance.now() - openStarted) / 1000;

  const started = performance.now();
  for (let seq = 1; seq <= eventsPerRun; seq += 1) {
    const tick = started + (seq - 1) * intervalMs;
    const wait = tick - performance.now();
    if (wait > 0) await sleep(wait);
    await Promise.all(
      runs.map(async (run) => {
        const last = seq === eventsPerRun;
        const event: RunEvent = {
          id: `e${seq}`,
          seq,
          time: new Date().toISOString(),
          identity: run,
          body: last
            ? {
                type: 'completed',
                result: {
                  status: 'succeeded',
                  response: 'done',
                  usage: { input: 1, output: 1 },
                  toolCalls: 0,
                  memoryUpdates: [],
                },
              }
            : { type: 'chunk', text: 'The quick brown fox jumps over the lazy dog. '.repeat(4) },
        };
        sentAt.set(`${run.runUid}:${seq}`, performance.now());
        await bus.publishRunEvent(event);
      }),
    );
  }
  const expected = clients * eventsPerRun;
  await eventually(
    'every stream closed',
    async () => (closedNormally === clients ? true : undefined),
    120_000,
    50,
  ).catch(() => undefined);
  const publishSeconds = (performance.now() - started) / 1000;
  const status = await readFile(`/proc/${server.process.pid}/status`, 'utf8');
  const peakRss = /VmHWM:\s+(\d+) kB/.exec(status)?.[1];
  latencies.sort((a, b) => a - b);
  console.log(`clients: ${clients}, events per run: ${eventsPerRun}, one per run every ${intervalMs} ms`);
  console.log(
    `streams opened (TokenReview, SubjectAccessReview, GET run, consumer): all ${clients} in ${openSeconds.toFixed(2)} s`,
  );
  console.log(
    `delivered ${received - repeated} of ${expected} (lost ${expected - (received - repeated)}, repeated ${repeated}); closed 1000: ${closedNormally}; ${publishSeconds.toFixed(1)} s`,
  );
  console.log(
    `delivery latency ms: p50 ${percentile(latencies, 50).toFixed(1)}, p99 ${percentile(latencies, 99).toFixed(1)}, max ${(latencies.at(-1) ?? NaN).toFixed(1)}`,
  );
  console.log(`API server peak RSS: ${peakRss ? Math.round(Number(peakRss) / 1024) : '?'} MiB`);
  await identity.remove();
} finally {
  for (const stop of stopping) await stop().catch(() => undefined);
}
