// Soak: the controller under steady load for K8SCLAW_SOAK_MINUTES (30 by default), on loopback: a
// real kube-apiserver, etcd and kube-controller-manager, the controller binary, runs created at a
// steady rate, finished by a stand-in kubelet and deleted by their TTL, so the number of objects
// cached stays level. Its resident memory and live heap, sampled from its /metrics, must level off
// too: the last third of the run may not sit above the middle third by more than the allowance.
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { labels } from '../../src/api/index.ts';
import { KubeClient } from '../../src/kube/index.ts';
import { instanceManifest, runManifest } from '../fixtures/k8sclaw-objects.ts';
import { startControlPlane, type ControlPlane } from '../harness/control-plane.ts';
import { startControllerProcess, type ControllerProcess } from '../harness/controller-process.ts';
import { installCrds } from '../harness/crds.ts';
import { buildRunResult } from '../harness/run-stand-ins.ts';
import { createTestNamespace } from '../harness/test-namespace.ts';

const group = { group: 'k8sclaw.io', version: 'v1alpha1' };
const minutes = Number(process.env.K8SCLAW_SOAK_MINUTES ?? '30');
const runsPerSecond = 2;
const sampleEveryMs = 10_000;
/** How far the last third's median may sit above the middle third's (allocator and GC noise). */
const allowedGrowth = 0.15;

interface Sample {
  atSeconds: number;
  rssBytes: number;
  heapUsedBytes: number;
  runs: number;
}

function gauge(metrics: string, name: string): number {
  const match = new RegExp(`^${name} (\\S+)$`, 'm').exec(metrics);
  if (!match) throw new Error(`${name} is not in the controller's metrics`);
  return Number(match[1]);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

describe(`controller: ${minutes} minutes of steady load`, () => {
  let controlPlane: ControlPlane;
  let kube: KubeClient;
  let controller: ControllerProcess;
  let namespace = '';
  before(async () => {
    controlPlane = await startControlPlane({ controllerManager: true });
    kube = KubeClient.fromKubeconfigFile(controlPlane.kubeconfigPath);
    await installCrds(kube);
    namespace = await createTestNamespace(kube, 'soak', { waitForDefaultServiceAccount: true });
    controller = await startControllerProcess({
      kubeconfig: controlPlane.kubeconfigPath,
      namespace,
      identity: 'soak',
      // no event bus here: results come from the termination message once the grace has passed
      env: { K8SCLAW_RESULT_GRACE_SECONDS: '1' },
    });
  });
  after(async () => {
    await controller?.stop();
    await controlPlane?.stop();
  });

  /** Stands in for the kubelet: every agent pod not yet finished terminates with a result. */
  async function finishPods(): Promise<void> {
    const pods = await kube.core.listNamespacedPod({ namespace, labelSelector: labels.run });
    for (const pod of pods.items) {
      const name = pod.metadata?.name;
      if (!name || pod.status?.phase === 'Succeeded' || pod.metadata?.deletionTimestamp) continue;
      const finishedAt = new Date();
      pod.status = {
        ...pod.status,
        phase: 'Succeeded',
        startTime: new Date(finishedAt.getTime() - 1_000),
        containerStatuses: [
          {
            name: 'agent',
            image: pod.spec?.containers.find((c) => c.name === 'agent')?.image ?? '',
            imageID: '',
            ready: false,
            restartCount: 0,
            state: {
              terminated: {
                exitCode: 0,
                reason: 'Completed',
                startedAt: new Date(finishedAt.getTime() - 1_000),
                finishedAt,
                message: JSON.stringify(buildRunResult({ response: 'steady' })),
              },
            },
          },
        ],
      };
      await kube.core.replaceNamespacedPodStatus({ name, namespace, body: pod }).catch(() => undefined);
    }
  }

  const countRuns = async () =>
    (
      (await kube.customObjects.listNamespacedCustomObject({ ...group, namespace, plural: 'agentruns' })) as {
        items: unknown[];
      }
    ).items.length;

  it('keeps its memory level while runs come and go', { timeout: (minutes + 5) * 60_000 }, async () => {
    await kube.customObjects.createNamespacedCustomObject({
      ...group,
      namespace,
      plural: 'clawinstances',
      body: instanceManifest('soak', namespace, { maxConcurrentRuns: 200 }, { memory: { enabled: false } }),
    });
    const started = Date.now();
    const deadline = started + minutes * 60_000;
    const samples: Sample[] = [];
    let created = 0;
    const creating = (async () => {
      while (Date.now() < deadline) {
        const due = Math.floor(((Date.now() - started) / 1000) * runsPerSecond);
        for (; created < due; created += 1) {
          await kube.customObjects.createNamespacedCustomObject({
            ...group,
            namespace,
            plural: 'agentruns',
            body: runManifest(`soak-${created}`, namespace, 'soak', {
              cleanup: 'delete',
              ttlSecondsAfterFinished: 20,
            }),
          });
        }
        await sleep(250);
      }
    })();
    const finishing = (async () => {
      while (Date.now() < deadline) {
        await finishPods();
        await sleep(1_000);
      }
    })();
    const sampling = (async () => {
      while (Date.now() < deadline) {
        await sleep(sampleEveryMs);
        const metrics = await controller.metrics();
        samples.push({
          atSeconds: Math.round((Date.now() - started) / 1000),
          rssBytes: gauge(metrics, 'k8sclaw_process_resident_memory_bytes'),
          heapUsedBytes: gauge(metrics, 'k8sclaw_nodejs_heap_size_used_bytes'),
          runs: await countRuns(),
        });
      }
    })();
    await Promise.all([creating, finishing, sampling]);

    const report = path.join(controlPlane.dir, '..', `k8sclaw-soak-${minutes}min.json`);
    await writeFile(report, JSON.stringify({ minutes, runsPerSecond, created, samples }, null, 2));
    const third = Math.floor(samples.length / 3);
    assert.ok(third >= 2, `too few samples (${samples.length}) for ${minutes} minutes`);
    const middle = samples.slice(third, 2 * third);
    const last = samples.slice(2 * third);
    const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;
    for (const key of ['rssBytes', 'heapUsedBytes'] as const) {
      const before = median(middle.map((s) => s[key]));
      const after = median(last.map((s) => s[key]));
      assert.ok(
        after <= before * (1 + allowedGrowth),
        `${key} grew from ${mib(before)} to ${mib(after)} with ${median(last.map((s) => s.runs))} runs ` +
          `cached (was ${median(middle.map((s) => s.runs))}); samples in ${report}`,
      );
    }
    // the load was steady: runs were finished and deleted, so the cache did not simply grow
    assert.ok(median(last.map((s) => s.runs)) < 200, `runs pile up: ${median(last.map((s) => s.runs))}`);
    console.log(
      `soak: ${created} runs in ${minutes} min; RSS ${mib(median(middle.map((s) => s.rssBytes)))} → ` +
        `${mib(median(last.map((s) => s.rssBytes)))}, heap ${mib(median(middle.map((s) => s.heapUsedBytes)))} → ` +
        `${mib(median(last.map((s) => s.heapUsedBytes)))}; samples in ${report}`,
    );
  });
});
