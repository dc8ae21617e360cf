// Benchmark: AgentRun created → Job created, through the controller binary on a real apiserver,
// for bursts of 100 and 1,000 runs, beside two ceilings measured in the same run: the minimal-writes
// ceiling (this client doing, per run, exactly the writes a controller cannot avoid: create the
// AgentRun, create its Job, apply its status once; before the controller starts) and the raw
// ceiling (this client creating the Jobs alone); the controller's CPU per admitted run; then its
// RSS with 10,000 AgentRuns in its cache.
// Usage: node bench/agentrun-latency.ts [--runs-cached 10000] [--node-args "<node options>"]
//          [--env "NAME=value ..."]
// (default node options and node's environment: those of config/manager/controller.yaml; --env adds
// or overrides variables of the controller, e.g. "MALLOC_ARENA_MAX="). The controller runs from its
// source; K8SCLAW_TEST_CONTROLLER_ENTRY=bundled runs the bundle its image runs (npm run build first).
import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { agentRunKind, apiVersion, resourceOf, type AgentRun, type ClawInstance } from '../src/api/index.ts';
import { EventRecorder, KubeClient, ResourceInformer, type V1Job } from '../src/kube/index.ts';
import { buildAgentJob, buildRunNetworkPolicy, resolveEffectiveRun } from '../src/orchestrator/index.ts';
import { startControlPlane } from '../test/harness/control-plane.ts';
import { deployedNodeOptions, startControllerProcess } from '../test/harness/controller-process.ts';
import { installCrds } from '../test/harness/crds.ts';
import { eventually } from '../test/harness/eventually.ts';
import { createTestNamespace } from '../test/harness/test-namespace.ts';

const argument = (name: string) => {
  const at = process.argv.indexOf(name);
  return at >= 0 ? process.argv[at + 1] : undefined;
};
const cachedRuns = Number(argument('--runs-cached') ?? 10_000);
/** node's options for the controller: by default those of its Deployment (V8 heap flags). */
const nodeArgs = argument('--node-args')?.split(/\s+/).filter(Boolean);
const extraEnv = Object.fromEntries(
  (argument('--env') ?? '')
    .split(/\s+/)
    .filter(Boolean)
    .map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]),
);
const group = { group: 'k8sclaw.io', version: 'v1alpha1' };
const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
};

/** Runs `count` creations with at most `parallel` in flight. */
async function burst(count: number, parallel: number, create: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      for (let i = next++; i < count; i = next++) await create(i);
    }),
  );
}

/** CPU seconds (user + system) a process has used so far. */
async function cpuSeconds(pid: number | undefined): Promise<number> {
  const fields = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1]?.split(' ') ?? [];
  // utime and stime are fields 14 and 15 of stat, 12 and 13 after "pid (comm) "; clock ticks of 1/100 s
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

const jobBody = (name: string, namespace: string) => ({
  apiVersion: 'batch/v1',
  kind: 'Job',
  metadata: { name, namespace },
  spec: {
    template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'localhost/x:1' }] } },
  },
});

const controlPlane = await startControlPlane();
const kube = KubeClient.fromKubeconfigFile(controlPlane.kubeconfigPath);
try {
  await installCrds(kube);
  const namespace = await createTestNamespace(kube, 'bench');
  const jobs = new ResourceInformer<V1Job>(kube, { apiVersion: 'batch/v1', kind: 'Job', plural: 'jobs' });
  const seen = new Map<string, number>();
  jobs.on((event, job) => {
    if (event === 'add' && job.metadata?.name) seen.set(job.metadata.name, performance.now());
  });
  await jobs.start();

  const createRun = (name: string, instanceRef: string) =>
    kube.customObjects.createNamespacedCustomObject({
      ...group,
      namespace,
      plural: 'agentruns',
      body: { apiVersion, kind: 'AgentRun', metadata: { name, namespace }, spec: { instanceRef, task: 't' } },
    });
  /**
   * Runs `size` creations (20 at a time); each marks the Job it waits for when its run (or the Job
   * itself) exists, and is timed from then to the Job appearing in the watch.
   */
  const timedBurst = async (
    what: string,
    size: number,
    create: (i: number, mark: (job: string) => void) => Promise<void>,
  ) => {
    const created = new Map<string, number>();
    const started = performance.now();
    await burst(size, 20, (i) => create(i, (job) => created.set(job, performance.now())));
    await eventually(
      `${size} ${what}`,
      async () => ([...created.keys()].every((job) => seen.has(job)) ? true : undefined),
      600_000,
      100,
    );
    const latencies = [...created].map(([job, at]) => (seen.get(job) ?? at) - at);
    const allAfter = (performance.now() - started) / 1000;
    const summary = `p50 ${percentile(latencies, 50).toFixed(0)} ms, p99 ${percentile(latencies, 99).toFixed(0)} ms, all Jobs after ${allAfter.toFixed(1)} s`;
    return { allAfter, summary };
  };

  // the minimal-writes ceiling, before any controller runs (its objects are removed afterwards)
  const ceilings = new Map<number, number>();
  const runResource = resourceOf(agentRunKind);
  for (const size of [100, 1000]) {
    const { allAfter, summary } = await timedBurst('ceiling Jobs', size, async (i, mark) => {
      const name = `min${size}-${i}`;
      await createRun(name, 'ceiling');
      mark(`agentrun-${name}`);
      await kube.create(jobBody(`agentrun-${name}`, namespace));
      await kube.applyStatus(
        runResource,
        {
          apiVersion,
          kind: 'AgentRun',
          metadata: { name, namespace },
          status: { phase: 'Pending', jobName: `agentrun-${name}` },
        },
        'bench-minimal-writes',
      );
    });
    ceilings.set(size, allAfter);
    console.log(
      `minimal-writes ceiling (create run, create Job, apply status), ${String(size).padStart(4)}: ${summary}`,
    );
  }

  // the design-writes ceiling: the writes K8sClaw's controller makes per admitted run, with the bodies
  // its own builders make, sent by this client (what the apiserver must do for K8sClaw's design)
  const designCeilings = new Map<number, number>();
  const instance: ClawInstance = {
    apiVersion,
    kind: 'ClawInstance',
    metadata: { name: 'ceiling', namespace, uid: '00000000-0000-4000-8000-000000000000' },
    spec: {
      agents: {
        default: { provider: 'ollama', model: 'm', baseURL: 'http://o:1/v1', maxConcurrentRuns: 1000 },
      },
      memory: { enabled: false },
    },
  } as ClawInstance;
  const recorder = new EventRecorder(kube, 'bench-design-writes');
  for (const size of [100, 1000]) {
    const { allAfter, summary } = await timedBurst('design ceiling Jobs', size, async (i, mark) => {
      const name = `design${size}-${i}`;
      const run = (await createRun(name, 'ceiling')) as AgentRun;
      mark(`agentrun-${name}`);
      const resolved = resolveEffectiveRun(run, instance, undefined);
      if (!resolved.ok) throw new Error(resolved.message);
      await kube.apply(buildRunNetworkPolicy(run, resolved.effective), 'bench-design-writes');
      const job = buildAgentJob(run, resolved.effective, {
        agentImage: 'localhost/k8sclaw/agent-runner:0.1.0',
        ipcBridgeImage: 'localhost/k8sclaw/ipc-bridge:0.1.0',
        eventBusUrl: 'nats://nats:4222',
        skillPacks: [],
      });
      await kube.create(job);
      await kube.applyStatus(
        runResource,
        {
          apiVersion,
          kind: 'AgentRun',
          metadata: { name, namespace },
          status: { phase: 'Pending', jobName: job.metadata.name },
        },
        'bench-design-writes',
      );
      await recorder.record(run, 'Normal', 'JobCreated', `Job ${job.metadata.name} created`);
    });
    designCeilings.set(size, allAfter);
    console.log(
      `design-writes ceiling (create run, apply NetworkPolicy, create Job, apply status, create Event; the controller's bodies), ${String(size).padStart(4)}: ${summary}`,
    );
  }
  await kube.customObjects.deleteCollectionNamespacedCustomObject({
    ...group,
    namespace,
    plural: 'agentruns',
  });
  await kube.batch.deleteCollectionNamespacedJob({ namespace, propagationPolicy: 'Background' });
  await eventually(
    'the ceiling runs to be gone',
    async () =>
      (
        (await kube.customObjects.listNamespacedCustomObject({
          ...group,
          namespace,
          plural: 'agentruns',
        })) as {
          items: unknown[];
        }
      ).items.length === 0
        ? true
        : undefined,
    120_000,
    500,
  );

  const controller = await startControllerProcess({
    kubeconfig: controlPlane.kubeconfigPath,
    namespace,
    identity: 'bench',
    ...(nodeArgs ? { nodeArgs } : {}),
    env: extraEnv,
  });
  console.log(
    `node options of the controller: ${(nodeArgs ?? deployedNodeOptions()).join(' ')}, environment: ${JSON.stringify(extraEnv)}`,
  );
  for (const size of [100, 1000]) {
    // one instance per burst: unfinished Jobs of an earlier burst count against an instance's limit
    const instance = `bench-${size}`;
    await kube.customObjects.createNamespacedCustomObject({
      ...group,
      namespace,
      plural: 'clawinstances',
      body: {
        apiVersion,
        kind: 'ClawInstance',
        metadata: { name: instance, namespace },
        spec: {
          agents: {
            default: { provider: 'ollama', model: 'm', baseURL: 'http://o:1/v1', maxConcurrentRuns: 1000 },
          },
          memory: { enabled: false },
        },
      },
    });
    const cpuBefore = await cpuSeconds(controller.process.pid);
    const { allAfter, summary } = await timedBurst('Jobs', size, async (i, mark) => {
      await createRun(`b${size}-${i}`, instance);
      mark(`agentrun-b${size}-${i}`);
    });
    // the controller's status writes and Events for these runs end shortly after the last Job
    await sleep(5_000);
    const cpuMsPerRun = ((await cpuSeconds(controller.process.pid)) - cpuBefore) * (1000 / size);
    console.log(
      `AgentRun → Job, burst of ${String(size).padStart(4)}: ${summary} (${(allAfter / (ceilings.get(size) ?? allAfter)).toFixed(2)}× the minimal-writes ceiling, ${(allAfter / (designCeilings.get(size) ?? allAfter)).toFixed(2)}× the design-writes ceiling); controller CPU ${cpuMsPerRun.toFixed(1)} ms per run`,
    );

    const raw = await timedBurst('direct Jobs', size, async (i, mark) => {
      await kube.create(jobBody(`raw${size}-${i}`, namespace));
      mark(`raw${size}-${i}`);
    });
    console.log(`raw ceiling (client creates the Job), ${String(size).padStart(4)}: ${raw.summary}`);
  }

  // the controller's memory with many runs cached: runs of a missing instance wait without Jobs
  await burst(cachedRuns, 20, async (i) => {
    await createRun(`c-${i}`, 'nobody');
  });
  await sleep(30_000);
  const status = await readFile(`/proc/${controller.process.pid}/status`, 'utf8');
  const rss = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
  console.log(
    `controller RSS with ${cachedRuns + 1100} AgentRuns and 2,200 Jobs cached: ${rss.toFixed(0)} MiB`,
  );
  await jobs.stop();
  await controller.stop();
} finally {
  await controlPlane.stop();
}
