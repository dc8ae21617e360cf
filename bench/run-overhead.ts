// Benchmark: what an AgentRun costs on the local cluster beyond the pod it runs in. In a fresh
// namespace with the scripted model server (one text turn), AgentRuns are created one after another
// and each is timed created → Pod created → agent container started → result in status →
// Succeeded; the floor is bare Pods of the same agent-runner image (same resources and security
// contexts, `node -e 0` instead of the runner), created → container started → Succeeded.
// Needs the local cluster with K8sClaw installed (`k8sclaw install --profile local`) and KUBECONFIG
// set. Times are when a watch saw each step, in milliseconds; "started" is when the kubelet reports
// the container running (or already terminated), which its pod status sync can delay by up to
// about a second, so the started lines based on the kubelet's own startedAt (whole seconds, as
// every Kubernetes timestamp) are printed alongside. One run and one Pod warm up, not counted.
// Usage: KUBECONFIG=$(hack/cluster kubeconfig) node bench/run-overhead.ts [runs]
import { setTimeout as sleep } from 'node:timers/promises';
import { conditionTypes, labels, type AgentRun } from '../src/api/index.ts';
import { isNotFound, ResourceInformer, type V1Pod } from '../src/kube/index.ts';
import { instanceManifest, runManifest } from '../test/fixtures/k8sclaw-objects.ts';
import { e2eKubeClient } from '../test/harness/e2e.ts';
import { eventually, whenGone } from '../test/harness/eventually.ts';
import { deployScriptedModel } from '../test/harness/scripted-model-in-cluster.ts';
import { createTestNamespace, deleteTestNamespace } from '../test/harness/test-namespace.ts';
import type { ModelScript } from '../test/fakes/model-server/index.ts';

const runs = Number(process.argv[2] ?? 20);
const group = { group: 'k8sclaw.io', version: 'v1alpha1' };
const answer = 'done';
const script: ModelScript = { conversations: [{ turns: [{ text: answer }] }] };
/** The name of the runner's container in the Job's pod template, reused by the bare Pods. */
const agentContainer = 'agent';
const runTimeoutMs = 120_000;
const podTimeoutMs = 60_000;

/** When a watch saw each step of one AgentRun or bare Pod (performance.now()). */
interface Marks {
  created?: number;
  podCreated?: number;
  started?: number;
  resultRecorded?: number;
  succeeded?: number;
  failed?: string;
  /** Server timestamps, whole seconds. */
  createdAtServer?: string;
  startedAtServer?: string;
  resultVia?: string;
  result?: string;
}

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
};

/** Polls `check` (local state only) until it returns a value; what it throws ends the wait. */
async function until<T>(what: string, timeoutMs: number, check: () => T | undefined): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    if (performance.now() > deadline)
      throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await sleep(10);
  }
}

const kubeconfig = process.env.KUBECONFIG ?? '';
const kube = e2eKubeClient();
try {
  await kube.apiextensions.readCustomResourceDefinition({ name: 'agentruns.k8sclaw.io' });
} catch (error) {
  if (!isNotFound(error)) throw error;
  throw new Error('K8sClaw is not installed in this cluster: run `k8sclaw install --profile local` first', {
    cause: error,
  });
}

const namespace = await createTestNamespace(kube, 'run-overhead', { waitForDefaultServiceAccount: true });
const runMarks = new Map<string, Marks>();
const podMarks = new Map<string, Marks>();
/** The agent container and pod security context of the first run's pod: the bare Pods copy them. */
let agentPod:
  { container: NonNullable<V1Pod['spec']>['containers'][number]; spec: V1Pod['spec'] } | undefined;

const warnRestart = (kind: string) => (error: unknown, retryInMs: number) =>
  console.error(`watch of ${kind} failed (${String(error)}), restarting in ${retryInMs} ms: figures may lag`);
const pods = new ResourceInformer<V1Pod>(
  kube,
  { apiVersion: 'v1', kind: 'Pod', plural: 'pods' },
  { onError: warnRestart('pods') },
);
const agentRuns = new ResourceInformer<AgentRun>(
  kube,
  { apiVersion: `${group.group}/${group.version}`, kind: 'AgentRun', plural: 'agentruns' },
  { onError: warnRestart('AgentRuns') },
);

pods.on((event, pod) => {
  if (event === 'delete' || pod.metadata?.namespace !== namespace) return;
  const at = performance.now();
  const runName = pod.metadata.labels?.[labels.run];
  const marks = runName ? runMarks.get(runName) : podMarks.get(pod.metadata.name ?? '');
  if (!marks) return;
  marks.podCreated ??= at;
  if (runName && !agentPod) {
    const container = pod.spec?.containers.find((c) => c.name === agentContainer);
    if (container) agentPod = { container, spec: pod.spec };
  }
  const state = pod.status?.containerStatuses?.find((c) => c.name === agentContainer)?.state;
  if (marks.started === undefined && (state?.running || state?.terminated)) {
    marks.started = at;
    const startedAt = state.running?.startedAt ?? state.terminated?.startedAt;
    if (startedAt) marks.startedAtServer = new Date(startedAt).toISOString();
  }
  if (!runName) {
    if (pod.status?.phase === 'Succeeded') marks.succeeded ??= at;
    if (pod.status?.phase === 'Failed') {
      marks.failed = `pod failed: ${state?.terminated?.reason ?? ''} ${state?.terminated?.message ?? ''}`;
    }
  }
});

agentRuns.on((event, run) => {
  if (event === 'delete' || run.metadata.namespace !== namespace) return;
  const marks = runMarks.get(run.metadata.name);
  if (!marks) return;
  const at = performance.now();
  if (run.metadata.creationTimestamp) {
    marks.createdAtServer ??= new Date(run.metadata.creationTimestamp).toISOString();
  }
  const recorded = run.status?.conditions?.find(
    (c) => c.type === conditionTypes.resultRecorded && c.status === 'True',
  );
  if (recorded && marks.resultRecorded === undefined) {
    marks.resultRecorded = at;
    marks.resultVia = recorded.message;
  }
  if (run.status?.phase === 'Succeeded' && marks.succeeded === undefined) {
    marks.succeeded = at;
    marks.result = run.status.result;
  }
  if (run.status?.phase === 'Failed') marks.failed = `run failed: ${run.status.error ?? 'no error given'}`;
});

type Step = 'created' | 'podCreated' | 'started' | 'resultRecorded' | 'succeeded';
const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
/** One line: p50 and max of the values, and how many were measured when some are missing. */
const line = (title: string, values: number[]) => {
  const measured = values.filter((v) => Number.isFinite(v));
  const missing = measured.length < values.length ? `   (${measured.length} of ${values.length})` : '';
  console.log(
    `  ${title.padEnd(52)} p50 ${seconds(percentile(measured, 50)).padStart(8)}   max ${seconds(Math.max(...measured)).padStart(8)}${missing}`,
  );
  return measured;
};
const segment = (title: string, all: Marks[], from: Step, to: Step) =>
  line(
    title,
    all.map((m) => (m[to] ?? NaN) - (m[from] ?? NaN)),
  );
/** Created → started by the server's own timestamps (whole seconds). */
const serverSegment = (title: string, all: Marks[]) =>
  line(
    title,
    all.map((m) => Date.parse(m.startedAtServer ?? '') - Date.parse(m.createdAtServer ?? '')),
  );

try {
  await pods.start();
  await agentRuns.start();
  const model = await deployScriptedModel(kubeconfig, namespace, script);
  await kube.customObjects.createNamespacedCustomObject({
    ...group,
    namespace,
    plural: 'clawinstances',
    body: instanceManifest('bench', namespace, {
      provider: 'openai',
      model: 'gpt-4o-mini',
      baseURL: model.baseURL,
      authSecretRef: model.keySecret,
    }),
  });
  await eventually(
    'the ClawInstance to be Ready',
    async () => {
      const instance = (await kube.customObjects.getNamespacedCustomObject({
        ...group,
        namespace,
        plural: 'clawinstances',
        name: 'bench',
      })) as { status?: { phase?: string } };
      return instance.status?.phase === 'Ready' ? true : undefined;
    },
    60_000,
    250,
  );

  // AgentRuns, one after another: the next is created once the previous one succeeded
  for (let i = 0; i <= runs; i++) {
    const name = i === 0 ? 'warmup' : `run-${i}`;
    const marks: Marks = {};
    runMarks.set(name, marks);
    await kube.customObjects.createNamespacedCustomObject({
      ...group,
      namespace,
      plural: 'agentruns',
      body: runManifest(name, namespace, 'bench'),
    });
    marks.created = performance.now();
    await until(`AgentRun ${name} to succeed`, runTimeoutMs, () => {
      if (marks.failed) throw new Error(`AgentRun ${name}: ${marks.failed}`);
      return marks.succeeded;
    });
    if (marks.result !== answer) throw new Error(`AgentRun ${name} answered ${JSON.stringify(marks.result)}`);
    // the two watches deliver independently: let the pod's and the result's updates arrive too
    await until(`the start and result of AgentRun ${name} to be seen`, 10_000, () =>
      marks.started !== undefined && marks.resultRecorded !== undefined ? true : undefined,
    );
  }

  // the floor: bare Pods of the same image, one after another
  const shape = await until('the agent container of the first run', 10_000, () => agentPod);
  for (let i = 0; i <= runs; i++) {
    const name = i === 0 ? 'floor-warmup' : `floor-${i}`;
    const marks: Marks = {};
    podMarks.set(name, marks);
    const created = await kube.core.createNamespacedPod({
      namespace,
      body: {
        metadata: { name },
        spec: {
          restartPolicy: 'Never',
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          ...(shape.spec?.securityContext ? { securityContext: shape.spec.securityContext } : {}),
          containers: [
            {
              name: agentContainer,
              image: shape.container.image,
              ...(shape.container.imagePullPolicy
                ? { imagePullPolicy: shape.container.imagePullPolicy }
                : {}),
              command: ['node', '-e', '0'],
              ...(shape.container.resources ? { resources: shape.container.resources } : {}),
              ...(shape.container.securityContext
                ? { securityContext: shape.container.securityContext }
                : {}),
            },
          ],
        },
      },
    });
    marks.created = performance.now();
    if (created.metadata?.creationTimestamp) {
      marks.createdAtServer = new Date(created.metadata.creationTimestamp).toISOString();
    }
    await until(`Pod ${name} to succeed`, podTimeoutMs, () => {
      if (marks.failed) throw new Error(`Pod ${name}: ${marks.failed}`);
      return marks.succeeded !== undefined && marks.started !== undefined ? marks.succeeded : undefined;
    });
  }

  const measuredRuns = [...runMarks].filter(([name]) => name !== 'warmup').map(([, m]) => m);
  const measuredPods = [...podMarks].filter(([name]) => name !== 'floor-warmup').map(([, m]) => m);
  const viaBus = measuredRuns.filter((m) => m.resultVia === 'result received through the event bus').length;
  console.log(
    `AgentRun, ${measuredRuns.length} one after another (scripted model, one text turn; ${viaBus} results through the event bus)`,
  );
  segment('created → Pod created', measuredRuns, 'created', 'podCreated');
  segment('Pod created → agent container started', measuredRuns, 'podCreated', 'started');
  segment('agent started → result in status', measuredRuns, 'started', 'resultRecorded');
  segment('result in status → Succeeded', measuredRuns, 'resultRecorded', 'succeeded');
  const runTotals = segment('created → Succeeded', measuredRuns, 'created', 'succeeded');
  serverSegment('created → agent started (server timestamps, 1 s)', measuredRuns);
  console.log(`bare Pod of ${shape.container.image} (node -e 0), ${measuredPods.length} one after another`);
  segment('created → container started', measuredPods, 'created', 'started');
  segment('container started → Succeeded', measuredPods, 'started', 'succeeded');
  const podTotals = segment('created → Succeeded', measuredPods, 'created', 'succeeded');
  serverSegment('created → container started (server timestamps, 1 s)', measuredPods);
  console.log(
    `AgentRun over the bare Pod, created → Succeeded at p50: +${seconds(percentile(runTotals, 50) - percentile(podTotals, 50))}`,
  );
} finally {
  await agentRuns.stop().catch(() => undefined);
  await pods.stop().catch(() => undefined);
  await deleteTestNamespace(kube, namespace);
  await eventually(
    `namespace ${namespace} to be deleted`,
    whenGone(() => kube.core.readNamespace({ name: namespace })),
    180_000,
    1_000,
  ).catch((error: unknown) => console.error(error instanceof Error ? error.message : error));
}
