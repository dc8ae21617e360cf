// Benchmark: the controller's memory and start-up as the number of cached AgentRuns grows (1,000 /
// 10,000 / 50,000 by default). For each size, runs are created (20 at a time, for an instance that
// does not exist, so they wait without Jobs) while a controller reconciles them; once every run is
// reconciled its RSS and V8 heap are read ("live"). Then that controller stops and a new one starts
// over the same objects ("restart"): the time until its caches have listed (/readyz), until its
// first reconcile, and until it has reconciled every run once, and its RSS and heap afterwards.
// Also the controller's CPU time (user + system) per run over each size's creations and the 15 s
// after. The controller runs its bundle, as in its image (the bench builds dist/ first).
// Usage: node bench/controller-memory.ts [--sizes 1000,10000,50000] [--node-args "<node options>"]
//          [--env "NAME=value ..."] [--entry bundled|compiled|source]
// (default node options: those of config/manager/controller.yaml; --node-args "" runs without;
// the controller's environment is its Deployment's for node (MALLOC_ARENA_MAX, the compile cache);
// --env adds or overrides variables, e.g. "NODE_COMPILE_CACHE=" runs the bundle without its cache)
import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { apiVersion } from '../src/api/index.ts';
import { KubeClient } from '../src/kube/index.ts';
import { startControlPlane } from '../test/harness/control-plane.ts';
import {
  deployedNodeEnv,
  deployedNodeOptions,
  startControllerProcess,
  type ControllerEntry,
  type ControllerProcess,
} from '../test/harness/controller-process.ts';
import { installCrds } from '../test/harness/crds.ts';
import { eventually } from '../test/harness/eventually.ts';
import { createTestNamespace } from '../test/harness/test-namespace.ts';

const argument = (name: string) => {
  const at = process.argv.indexOf(name);
  return at >= 0 ? process.argv[at + 1] : undefined;
};
const sizes = (argument('--sizes') ?? '1000,10000,50000').split(',').map(Number);
/** node's options for the controller: by default those of its Deployment (V8 heap flags). */
const nodeArgs =
  argument('--node-args') === undefined
    ? deployedNodeOptions()
    : (argument('--node-args') ?? '').split(/\s+/).filter(Boolean);
const entry = (argument('--entry') ?? 'bundled') as ControllerEntry;
const extraEnv = Object.fromEntries(
  (argument('--env') ?? '')
    .split(/\s+/)
    .filter(Boolean)
    .map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]),
);
/** How long a controller idles before its memory is read. */
const settleMs = 15_000;
const group = { group: 'k8sclaw.io', version: 'v1alpha1' };

/** A counter or gauge of the controller's /metrics, summed over the series matching `labels`. */
async function metric(controller: ControllerProcess, name: string, labels = ''): Promise<number> {
  let sum = 0;
  for (const line of (await controller.metrics()).split('\n')) {
    if (line.startsWith(`${name}{`) && line.includes(labels)) sum += Number(line.split(' ').pop());
    else if (line.startsWith(`${name} `)) sum += Number(line.split(' ').pop());
  }
  return sum;
}

const reconciledRuns = (controller: ControllerProcess) =>
  metric(controller, 'k8sclaw_reconcile_total', 'controller="agentrun"');

/** CPU seconds (user + system) the controller has used so far. */
async function cpuSeconds(controller: ControllerProcess): Promise<number> {
  const fields =
    (await readFile(`/proc/${controller.process.pid}/stat`, 'utf8')).split(') ')[1]?.split(' ') ?? [];
  // utime and stime are fields 14 and 15 of stat, 12 and 13 after "pid (comm) "; clock ticks of 1/100 s
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

async function memory(controller: ControllerProcess): Promise<string> {
  const status = await readFile(`/proc/${controller.process.pid}/status`, 'utf8');
  const rss = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
  const heapUsed = (await metric(controller, 'k8sclaw_nodejs_heap_size_used_bytes')) / 2 ** 20;
  const heapTotal = (await metric(controller, 'k8sclaw_nodejs_heap_size_total_bytes')) / 2 ** 20;
  return `RSS ${rss.toFixed(0)} MiB, V8 heap ${heapUsed.toFixed(0)} MiB used of ${heapTotal.toFixed(0)} MiB`;
}

/** Waits until `controller` has reconciled at least `runs` times and its queue is empty. */
async function allReconciled(controller: ControllerProcess, runs: number, intervalMs: number): Promise<void> {
  await eventually(
    `${runs} runs reconciled`,
    async () =>
      (await reconciledRuns(controller)) >= runs &&
      (await metric(controller, 'k8sclaw_workqueue_depth', 'controller="agentrun"')) === 0
        ? true
        : undefined,
    1_800_000,
    intervalMs,
  );
}

// the controller as the image runs it: bundled
execFileSync('npm', ['run', '--silent', 'build'], { stdio: 'inherit' });
const controlPlane = await startControlPlane();
const kube = KubeClient.fromKubeconfigFile(controlPlane.kubeconfigPath);
try {
  await installCrds(kube);
  const namespace = await createTestNamespace(kube, 'memory');
  const start = (identity: string) =>
    startControllerProcess({
      kubeconfig: controlPlane.kubeconfigPath,
      namespace,
      identity,
      nodeArgs,
      entry,
      // the shipped lease timings: the harness's short ones make a busy machine's leader lose its
      // Lease, which this benchmark is not about
      env: {
        K8SCLAW_LEASE_DURATION_SECONDS: '15',
        K8SCLAW_RENEW_DEADLINE_SECONDS: '10',
        K8SCLAW_RETRY_PERIOD_SECONDS: '2',
        ...extraEnv,
      },
      readyTimeoutMs: 600_000,
    });
  console.log(
    `controller: ${entry}, node options: ${nodeArgs.join(' ') || '(none)'}, environment: ${JSON.stringify({ ...deployedNodeEnv(entry), ...extraEnv })}`,
  );
  let controller = await start('memory-0');
  let created = 0;
  for (const size of sizes) {
    const before = await reconciledRuns(controller);
    const toCreate = size - created;
    const cpuBefore = await cpuSeconds(controller);
    let next = 0;
    await Promise.all(
      Array.from({ length: 20 }, async () => {
        for (let i = next++; i < toCreate; i = next++) {
          const name = `r-${created + i}`;
          await kube.customObjects.createNamespacedCustomObject({
            ...group,
            namespace,
            plural: 'agentruns',
            body: {
              apiVersion,
              kind: 'AgentRun',
              metadata: { name },
              spec: { instanceRef: 'nobody', task: 't' },
            },
          });
        }
      }),
    );
    created = size;
    await allReconciled(controller, before + toCreate, 1_000);
    await sleep(settleMs);
    const cpuMsPerRun = ((await cpuSeconds(controller)) - cpuBefore) * (1000 / toCreate);
    console.log(
      `${size} runs, live (created while the controller ran): ${await memory(controller)}; controller CPU ${cpuMsPerRun.toFixed(2)} ms per run created`,
    );

    await controller.stop();
    const started = performance.now();
    const seconds = () => ((performance.now() - started) / 1000).toFixed(1);
    controller = await start(`memory-${size}`);
    const ready = seconds();
    await eventually(
      'a first reconcile',
      async () => ((await reconciledRuns(controller)) > 0 ? true : undefined),
      600_000,
      50,
    );
    const first = seconds();
    await allReconciled(controller, size, 100);
    const all = seconds();
    await sleep(settleMs);
    console.log(
      `${size} runs, restart: caches listed after ${ready} s, first reconcile after ${first} s, every run reconciled after ${all} s; ${await memory(controller)}`,
    );
  }
  await controller.stop();
} finally {
  await controlPlane.stop();
}
