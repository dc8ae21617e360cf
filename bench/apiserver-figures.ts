// Benchmark: the API server binary on the host against the harness etcd + kube-apiserver, a real
// PostgreSQL and a real nats-server in operator (JWT) mode.
// Figures:
// - `GET /api/v1/namespaces/{ns}/runs` (first page of 100, and of 500) with 10,000 AgentRuns in the
//   namespace: p50/p99 over sequential requests by a tenant ServiceAccount (TokenReview and
//   SubjectAccessReview answers cached after the first), and a walk through every page;
// - run events stored per second: 100 runs' bridges (each with its own credentials) publish 50
//   chunks and a completion each at once; from the first publish until PostgreSQL holds them all,
//   and the completed runs' questions and replies are in their sessions.
// Usage: node bench/apiserver-figures.ts [runs-in-namespace]
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { AgentRun, RunEvent, RunIdentity } from '../src/api/index.ts';
import {
  accountSignerOf,
  buildRunInboxPrefix,
  connectEventBus,
  createBusAuthority,
  issueUserCredentials,
  runBridgePermissions,
  type EventBus,
} from '../src/eventbus/index.ts';
import { KubeClient } from '../src/kube/index.ts';
import { runManifest } from '../test/fixtures/k8sclaw-objects.ts';
import { startApiServerProcess } from '../test/harness/api-server-process.ts';
import { startControlPlane } from '../test/harness/control-plane.ts';
import { installCrds } from '../test/harness/crds.ts';
import { startNatsServer } from '../test/harness/nats-server.ts';
import { startPostgres } from '../test/harness/postgres.ts';
import { createTestNamespace } from '../test/harness/test-namespace.ts';
import {
  createServiceAccountToken,
  grantInNamespace,
  tenantRules,
} from '../test/integration/apiserver/api-fixtures.ts';
import { createDatabase, psql } from '../test/integration/session/session-fixtures.ts';
import { ensureBusStreamsAsController } from '../test/harness/bus-streams.ts';

const group = { group: 'k8sclaw.io', version: 'v1alpha1' };
const runsInNamespace = Number(process.argv[2] ?? '10000');
const requests = 200;
const eventRuns = 100;
const chunksPerRun = 50;

const now = () => performance.now();
const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
const ms = (value: number) => `${value.toFixed(1)} ms`;

async function inParallel<T>(items: readonly T[], width: number, work: (item: T) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      for (let i = next++; i < items.length; i = next++) await work(items[i] as T);
    }),
  );
}

const controlPlane = await startControlPlane();
const postgres = await startPostgres();
const authority = await createBusAuthority();
const nats = await startNatsServer({ authority });
const dir = await mkdtemp(path.join(os.tmpdir(), 'k8sclaw-bench-apiserver-'));
const buses: EventBus[] = [];
try {
  const kube = KubeClient.fromKubeconfigFile(controlPlane.kubeconfigPath);
  await installCrds(kube);
  const namespace = await createTestNamespace(kube, 'bench-api');
  const databaseUrl = await createDatabase(postgres, 'bench_apiserver');
  const signerFile = path.join(dir, 'signer.json');
  await writeFile(signerFile, JSON.stringify(accountSignerOf(authority)), { mode: 0o600 });
  // the streams are the controller's to create
  await ensureBusStreamsAsController(nats.url, authority);
  const server = await startApiServerProcess({
    kubeconfig: controlPlane.kubeconfigPath,
    env: { DATABASE_URL: databaseUrl, EVENT_BUS_URL: nats.url, K8SCLAW_BUS_ACCOUNT_SIGNER_FILE: signerFile },
  });
  const token = await createServiceAccountToken(kube, namespace, 'reader');
  await grantInNamespace(kube, namespace, { namespace, name: 'reader' }, tenantRules);

  let started = now();
  const names = Array.from({ length: runsInNamespace }, (_, i) => `bench-${i}`);
  await inParallel(names, 20, async (name) => {
    await kube.customObjects.createNamespacedCustomObject({
      ...group,
      namespace,
      plural: 'agentruns',
      body: runManifest(name, namespace, 'claw'),
    });
  });
  console.log(`created ${runsInNamespace} AgentRuns in ${((now() - started) / 1000).toFixed(1)} s`);

  const get = async (query: string) => {
    const response = await fetch(`${server.url}/api/v1/namespaces/${namespace}/runs${query}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    if (response.status !== 200)
      throw new Error(`GET runs${query}: ${response.status} ${await response.text()}`);
    return (await response.json()) as { items: unknown[]; continue?: string };
  };
  for (const limit of [100, 500]) {
    await get(`?limit=${limit}`); // the first request verifies the token and the access
    const times: number[] = [];
    for (let i = 0; i < requests; i += 1) {
      const begin = now();
      const page = await get(`?limit=${limit}`);
      times.push(now() - begin);
      if (page.items.length !== Math.min(limit, runsInNamespace)) throw new Error('short page');
    }
    times.sort((a, b) => a - b);
    console.log(
      `GET runs, first page of ${limit}, ${runsInNamespace} runs: p50 ${ms(percentile(times, 50))}, ` +
        `p99 ${ms(percentile(times, 99))} (${requests} sequential requests)`,
    );
  }
  started = now();
  let pages = 0;
  let seen = 0;
  for (let query = '?limit=500'; ;) {
    const page = await get(query);
    pages += 1;
    seen += page.items.length;
    const next = page.continue;
    if (!next) break;
    query = `?limit=500&continue=${encodeURIComponent(next)}`;
  }
  console.log(`GET runs, every page of 500: ${seen} runs in ${pages} pages, ${ms(now() - started)}`);

  // run events: runs of a session, each with its own bridge credentials
  const bridges: { identity: RunIdentity; bus: EventBus }[] = [];
  await inParallel(
    Array.from({ length: eventRuns }, (_, i) => i),
    20,
    async (i) => {
      const name = `events-${i}`;
      const run = (await kube.customObjects.createNamespacedCustomObject({
        ...group,
        namespace,
        plural: 'agentruns',
        body: runManifest(name, namespace, 'claw', {
          sessionKey: `api:bench-${i % 10}`,
          task: `question ${i}`,
        }),
      })) as AgentRun;
      const identity = { namespace, instance: 'claw', run: name, runUid: run.metadata.uid ?? '' };
      const bus = await connectEventBus({
        url: nats.url,
        name: `ipc-bridge/${namespace}/${name}`,
        credentials: await issueUserCredentials(authority, {
          name: `ipc-bridge/${namespace}/${name}`,
          permissions: runBridgePermissions(identity),
        }),
        inboxPrefix: buildRunInboxPrefix(identity),
        connectTimeoutMs: 10_000,
      });
      buses.push(bus);
      bridges.push({ identity, bus });
    },
  );
  const eventsOf = (identity: RunIdentity): RunEvent[] => {
    const at = (seq: number) => ({
      id: `e${seq}`,
      seq,
      time: new Date().toISOString(),
      identity,
    });
    const events: RunEvent[] = [{ ...at(1), body: { type: 'started', provider: 'openai', model: 'gpt' } }];
    for (let i = 0; i < chunksPerRun; i += 1)
      events.push({ ...at(2 + i), body: { type: 'chunk', text: `part ${i} of the answer. ` } });
    events.push({
      ...at(2 + chunksPerRun),
      body: {
        type: 'completed',
        result: {
          status: 'succeeded',
          response: `answer of ${identity.run}`,
          usage: { input: 100, output: 20 },
          toolCalls: 0,
          memoryUpdates: [],
        },
      },
    });
    return events;
  };
  const total = eventRuns * (chunksPerRun + 2);
  started = now();
  await Promise.all(
    bridges.map(async ({ identity, bus }) => {
      for (const event of eventsOf(identity)) await bus.publishRunEvent(event);
    }),
  );
  const published = now() - started;
  for (let stored = 0, messages = 0; ;) {
    stored = Number(await psql(databaseUrl, 'SELECT count(*) FROM run_events'));
    messages = Number(await psql(databaseUrl, 'SELECT count(*) FROM session_messages'));
    if (stored >= total && messages >= 2 * eventRuns) break;
    if (now() - started > 300_000) throw new Error(`only ${stored}/${total} events stored after 300 s`);
    await sleep(100);
  }
  const elapsed = (now() - started) / 1000;
  console.log(
    `run events stored: ${total} events of ${eventRuns} runs (published in ${(published / 1000).toFixed(1)} s) ` +
      `all in PostgreSQL after ${elapsed.toFixed(1)} s = ${(total / elapsed).toFixed(0)} events/s; ` +
      `${2 * eventRuns} session messages (question and reply of each run) = ${((2 * eventRuns) / elapsed).toFixed(0)}/s`,
  );
  await server.stop();
} finally {
  await Promise.allSettled(buses.map((bus) => bus.close()));
  await nats.destroy();
  await postgres.stop();
  await controlPlane.stop();
  await rm(dir, { recursive: true, force: true });
}
