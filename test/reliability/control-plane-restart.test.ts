// Reliability: kube-apiserver and etcd restarted under a running controller, with the shipped
// leader-election timings (an outage longer than the 3 s renew deadline costs the leader its term).
// The controller recovers by itself: no restart of its own (it stands by and leads again), and
// every run created before, during and after the outage gets exactly one Job, owned by it.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { AgentRun } from '../../src/api/index.ts';
import { KubeClient } from '../../src/kube/index.ts';
import { instanceManifest, runManifest } from '../fixtures/k8sclaw-objects.ts';
import { startControlPlane, type ControlPlane } from '../harness/control-plane.ts';
import { startControllerProcess, type ControllerProcess } from '../harness/controller-process.ts';
import { installCrds } from '../harness/crds.ts';
import { eventually } from '../harness/eventually.ts';
import { createTestNamespace } from '../harness/test-namespace.ts';

const group = { group: 'k8sclaw.io', version: 'v1alpha1' };

describe('controller across a kube-apiserver and etcd restart', () => {
  let controlPlane: ControlPlane;
  let kube: KubeClient;
  let controller: ControllerProcess;
  let namespace = '';
  before(async () => {
    controlPlane = await startControlPlane();
    kube = KubeClient.fromKubeconfigFile(controlPlane.kubeconfigPath);
    await installCrds(kube);
    namespace = await createTestNamespace(kube, 'restart');
    controller = await startControllerProcess({
      kubeconfig: controlPlane.kubeconfigPath,
      namespace,
      identity: 'steady',
      // the shipped leader-election timings (src/cmd/controller.ts)
      env: {
        K8SCLAW_LEASE_DURATION_SECONDS: '4',
        K8SCLAW_RENEW_DEADLINE_SECONDS: '3',
        K8SCLAW_RETRY_PERIOD_SECONDS: '0.5',
      },
    });
  });
  after(async () => {
    await controller?.stop();
    await controlPlane?.stop();
  });

  /** Creates a run, retrying while the apiserver is away (an AlreadyExists means an earlier try landed). */
  async function createRun(name: string): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await kube.customObjects.createNamespacedCustomObject({
          ...group,
          namespace,
          plural: 'agentruns',
          body: runManifest(name, namespace, 'steady'),
        });
        return;
      } catch (error) {
        if ((error as { code?: number }).code === 409) return;
        if (attempt >= 120) throw error;
        await sleep(250);
      }
    }
  }

  it('recovers by itself and gives every run exactly one Job', { timeout: 300_000 }, async () => {
    await eventually(
      'the controller to lead',
      async () => ((await controller.isLeader()) ? true : undefined),
      30_000,
    );
    await kube.customObjects.createNamespacedCustomObject({
      ...group,
      namespace,
      plural: 'clawinstances',
      body: instanceManifest(
        'steady',
        namespace,
        { maxConcurrentRuns: 1000 },
        { memory: { enabled: false } },
      ),
    });
    const names = Array.from({ length: 100 }, (_, i) => `steady-${i}`);
    const creations = (async () => {
      for (const name of names) await createRun(name);
    })();
    // the outage begins while runs are being created and admitted
    await eventually('some runs admitted', async () => {
      const jobs = await kube.batch.listNamespacedJob({ namespace });
      return jobs.items.length >= 10 ? true : undefined;
    });
    await controlPlane.restartApiserverAndEtcd(1_000);
    await creations;

    const runs = await eventually(
      'every run to have its Job',
      async () => {
        const list = (await kube.customObjects.listNamespacedCustomObject({
          ...group,
          namespace,
          plural: 'agentruns',
        })) as { items: AgentRun[] };
        return list.items.length === names.length && list.items.every((r) => r.status?.jobName)
          ? list.items
          : undefined;
      },
      180_000,
      1_000,
    );
    const jobs = (await kube.batch.listNamespacedJob({ namespace })).items;
    assert.equal(jobs.length, names.length);
    for (const run of runs) {
      const owned = jobs.filter((j) => j.metadata?.ownerReferences?.some((o) => o.uid === run.metadata.uid));
      assert.equal(owned.length, 1, `run ${run.metadata.name} has ${owned.length} Jobs`);
      assert.notEqual(run.status?.phase, 'Failed', `${run.metadata.name}: ${run.status?.error}`);
    }
    assert.equal(controller.process.exited, false, 'the controller kept running');
    assert.equal(await controller.isLeader(), true);
  });
});
