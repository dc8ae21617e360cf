// Benchmark: what the admission webhook adds to each AgentRun create. Harness etcd + kube-apiserver
// on loopback and the webhook binary (src/cmd/webhook.ts) on its own loopback port, called by the
// kube-apiserver over TLS for validation and mutation of agentruns, as installed. 1,000 creates one
// after another without the webhook, 1,000 with it, and 1,000 without it again (so drift of a
// busy machine shows), each timed from request to answer; then the same with 20 in parallel.
// Usage: node bench/admission-latency.ts [--creates 1000]
import { resourceOf, agentRunKind } from '../src/api/index.ts';
import { KubeClient } from '../src/kube/index.ts';
import { runManifest } from '../test/fixtures/k8sclaw-objects.ts';
import { startControlPlane } from '../test/harness/control-plane.ts';
import { installCrds } from '../test/harness/crds.ts';
import { eventually } from '../test/harness/eventually.ts';
import { createTestNamespace } from '../test/harness/test-namespace.ts';
import {
  buildTestWebhookConfiguration,
  deleteTestWebhookConfigurations,
} from '../test/harness/webhook-configurations.ts';
import { startWebhookProcess } from '../test/harness/webhook-process.ts';
import { createPolicyWithInstance, strictPolicySpec } from '../test/harness/webhook-tenant.ts';

const at = process.argv.indexOf('--creates');
const creates = at >= 0 ? Number(process.argv[at + 1]) : 1000;
const fieldManager = 'k8sclaw-bench';
const configurationName = 'k8sclaw-bench-admission';

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;

const controlPlane = await startControlPlane();
try {
  const kube = KubeClient.fromKubeconfigFile(controlPlane.kubeconfigPath);
  await installCrds(kube);
  const namespace = await createTestNamespace(kube, 'admission-bench');
  await createPolicyWithInstance(kube, namespace, 'bench-policy', strictPolicySpec, 'bench');

  let created = 0;
  /** Creates `count` runs, `parallel` at a time; the latency of each, sorted. */
  async function timeCreates(count: number, parallel: number): Promise<number[]> {
    const latencies: number[] = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: parallel }, async () => {
        while (next < count) {
          next += 1;
          const name = `run-${(created += 1)}`;
          const started = performance.now();
          await kube.customObjects.createNamespacedCustomObject({
            ...resourceOf(agentRunKind),
            namespace,
            body: runManifest(name, namespace, 'bench', { toolPolicy: { allow: ['list_directory'] } }),
          });
          latencies.push(performance.now() - started);
        }
      }),
    );
    return latencies.sort((a, b) => a - b);
  }
  const report = (label: string, sorted: number[]) =>
    console.log(
      `${label.padEnd(52)} p50 ${percentile(sorted, 50).toFixed(1)} ms, p99 ${percentile(sorted, 99).toFixed(1)} ms (${sorted.length} creates)`,
    );

  // warm the apiserver's paths (and the client's connection) before anything is timed
  await timeCreates(100, 1);

  const webhook = await startWebhookProcess({ kubeconfig: controlPlane.kubeconfigPath });
  const judged = { name: configurationName, url: webhook.url, namespace, caCertPem: webhook.caCertPem };
  const configurations = [
    buildTestWebhookConfiguration({
      ...judged,
      kind: 'MutatingWebhookConfiguration',
      operations: ['CREATE'],
      resources: ['agentruns'],
    }),
    buildTestWebhookConfiguration({
      ...judged,
      kind: 'ValidatingWebhookConfiguration',
      operations: ['CREATE'],
      resources: ['agentruns'],
    }),
  ];
  const withWebhook = async <T>(measure: () => Promise<T>): Promise<T> => {
    for (const configuration of configurations) await kube.apply(configuration as never, fieldManager);
    await eventually('the webhook judging creates', async () => {
      const denied = runManifest('probe', namespace, 'bench', { toolPolicy: { allow: ['read_file'] } });
      const refused = await kube.customObjects
        .createNamespacedCustomObject({ ...resourceOf(agentRunKind), namespace, body: denied, dryRun: 'All' })
        .then(
          () => false,
          () => true,
        );
      return refused ? true : undefined;
    });
    try {
      return await measure();
    } finally {
      await deleteTestWebhookConfigurations(kube, configurationName);
      // the apiserver drops configurations asynchronously: wait until creates are no longer judged
      await eventually('the webhook no longer called', async () => {
        const denied = runManifest('probe', namespace, 'bench', { toolPolicy: { allow: ['read_file'] } });
        return await kube.customObjects
          .createNamespacedCustomObject({
            ...resourceOf(agentRunKind),
            namespace,
            body: denied,
            dryRun: 'All',
          })
          .then(
            () => true,
            () => undefined,
          );
      });
    }
  };

  try {
    for (const parallel of [1, 20]) {
      const label = parallel === 1 ? 'one at a time' : `${parallel} in parallel`;
      const before = await timeCreates(creates, parallel);
      const judged = await withWebhook(() => timeCreates(creates, parallel));
      const after = await timeCreates(creates, parallel);
      report(`without the webhook, ${label}`, before);
      report(`with the webhook (validate + mutate), ${label}`, judged);
      report(`without the webhook again, ${label}`, after);
      const baseline = [...before, ...after].sort((a, b) => a - b);
      console.log(
        `added by the webhook, ${label}: p50 ${(percentile(judged, 50) - percentile(baseline, 50)).toFixed(1)} ms, p99 ${(percentile(judged, 99) - percentile(baseline, 99)).toFixed(1)} ms`,
      );
    }
  } finally {
    await webhook.stop();
  }
} finally {
  await controlPlane.stop();
}
