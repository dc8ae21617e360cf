// Reliability: the leader killed during a burst of 1,000 runs. Nothing is lost (every run is admitted
// or waits for capacity), nothing is duplicated (one Job per admitted run) and the instance's
// maxConcurrentRuns is never exceeded (no node runs the pods, so no Job ever finishes: every Job
// admitted is still there at the end).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { AgentRun } from '../../src/api/index.ts';
import { KubeClient } from '../../src/kube/index.ts';
import { instanceManifest, runManifest } from '../fixtures/k8sclaw-objects.ts';
import { startControlPlane, type ControlPlane } from '../harness/control-plane.ts';
import { startControllerProcess, type ControllerProcess } from '../harness/controller-process.ts';
import { installCrds } from '../harness/crds.ts';
import { eventually } from '../harness/eventually.ts';
import { createTestNamespace } from '../harness/test-namespace.ts';

const group = { group: 'k8sclaw.io', version: 'v1alpha1' };
const runs = 1_000;
const limit = 300;

describe('controller: leader killed during a burst of 1,000 runs', () => {
  let controlPlane: ControlPlane;
  let kube: KubeClient;
  const replicas: ControllerProcess[] = [];
  let namespace = '';
  before(async () => {
    controlPlane = await startControlPlane();
    kube = KubeClient.fromKubeconfigFile(controlPlane.kubeconfigPath);
    await installCrds(kube);
    namespace = await createTestNamespace(kube, 'burst');
    for (const identity of ['first', 'second'])
      replicas.push(
        await startControllerProcess({ kubeconfig: controlPlane.kubeconfigPath, namespace, identity }),
      );
  });
  after(async () => {
    await Promise.all(replicas.map((r) => r.stop()));
    await controlPlane?.stop();
  });

  it(
    'loses no run, duplicates no Job and never exceeds maxConcurrentRuns',
    { timeout: 600_000 },
    async () => {
      await kube.customObjects.createNamespacedCustomObject({
        ...group,
        namespace,
        plural: 'clawinstances',
        body: instanceManifest(
          'burst',
          namespace,
          { maxConcurrentRuns: limit },
          { memory: { enabled: false } },
        ),
      });
      const names = Array.from({ length: runs }, (_, i) => `burst-${i}`);
      let next = 0;
      let killed: ControllerProcess | undefined;
      await Promise.all(
        Array.from({ length: 20 }, async () => {
          for (let i = next++; i < names.length; i = next++) {
            if (i === 150 && !killed) {
              for (const replica of replicas) if (await replica.isLeader()) killed = replica;
              killed?.kill();
            }
            await kube.customObjects.createNamespacedCustomObject({
              ...group,
              namespace,
              plural: 'agentruns',
              body: runManifest(names[i] ?? '', namespace, 'burst'),
            });
          }
        }),
      );
      assert.ok(killed, 'a leader was killed mid-burst');
      const settled = await eventually(
        'every run admitted or waiting for capacity',
        async () => {
          const list = (await kube.customObjects.listNamespacedCustomObject({
            ...group,
            namespace,
            plural: 'agentruns',
          })) as { items: AgentRun[] };
          const decided = list.items.filter(
            (r) =>
              r.status?.jobName ||
              r.status?.conditions?.some((c) => c.type === 'Scheduled' && c.reason === 'WaitingForCapacity'),
          );
          return list.items.length === runs && decided.length === runs ? list.items : undefined;
        },
        300_000,
        2_000,
      );
      const jobs = (await kube.batch.listNamespacedJob({ namespace })).items;
      assert.equal(jobs.length, limit, `${jobs.length} Jobs for a limit of ${limit}`);
      const admitted = settled.filter((r) => r.status?.jobName);
      assert.equal(admitted.length, limit);
      for (const run of admitted) {
        const owned = jobs.filter((j) =>
          j.metadata?.ownerReferences?.some((o) => o.uid === run.metadata.uid),
        );
        assert.equal(owned.length, 1, `run ${run.metadata.name} has ${owned.length} Jobs`);
      }
      const survivor = replicas.find((r) => r !== killed);
      assert.equal(await survivor?.isLeader(), true, 'the standby took over');
    },
  );
});
