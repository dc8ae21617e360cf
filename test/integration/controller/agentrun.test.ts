// AgentRun reconciler through the controller binary on the real apiserver + controller-manager (no
// node: Jobs get pods that never run, which is all these cases need). End-to-end completion of a run
// is covered by the e2e tier on the local cluster.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { apiVersion, type AgentRun } from '../../../src/api/index.ts';
import { instanceManifest, runManifest } from '../../fixtures/k8sclaw-objects.ts';
import { useControllerSuite } from '../../harness/controller-suite.ts';
import { eventually } from '../../harness/eventually.ts';

const group = { group: 'k8sclaw.io', version: 'v1alpha1' };

describe('AgentRun reconciler', () => {
  const suite = useControllerSuite('agentrun', { replicas: ['first'], withPods: true });
  const { kube } = suite;
  let namespace = '';
  before(() => {
    namespace = suite.namespace;
  });

  const create = (plural: string, body: object) =>
    kube.customObjects.createNamespacedCustomObject({ ...group, namespace, plural, body });
  const instance = (name: string, defaults: Record<string, unknown> = {}) =>
    create('clawinstances', instanceManifest(name, namespace, defaults));
  const run = (name: string, instanceRef: string, spec: Record<string, unknown> = {}) =>
    create('agentruns', runManifest(name, namespace, instanceRef, spec));
  const readRun = async (name: string) =>
    (await kube.customObjects.getNamespacedCustomObject({
      ...group,
      namespace,
      plural: 'agentruns',
      name,
    })) as AgentRun;
  const condition = (r: AgentRun, type: string) => r.status?.conditions?.find((c) => c.type === type);

  it('creates one hardened Job with the IPC bridge as a native sidecar, and a NetworkPolicy', async () => {
    await instance('alice');
    await run('hello', 'alice', { timeout: '90s' });
    const status = await eventually('the run to be scheduled', async () => {
      const current = await readRun('hello');
      return current.status?.jobName ? current.status : undefined;
    });
    assert.equal(status.phase, 'Pending');
    assert.equal(status.jobName, 'agentrun-hello');
    const job = await kube.batch.readNamespacedJob({ name: 'agentrun-hello', namespace });
    assert.equal(job.metadata?.ownerReferences?.[0]?.kind, 'AgentRun');
    assert.equal(job.spec?.activeDeadlineSeconds, 90);
    assert.equal(job.spec?.backoffLimit, 0);
    const pod = job.spec?.template.spec;
    assert.equal(pod?.automountServiceAccountToken, false);
    assert.deepEqual(
      pod?.initContainers?.map((c) => [c.name, c.restartPolicy]),
      [['ipc-bridge', 'Always']],
    );
    for (const container of [...(pod?.containers ?? []), ...(pod?.initContainers ?? [])]) {
      assert.equal(container.securityContext?.readOnlyRootFilesystem, true, container.name);
      assert.deepEqual(container.securityContext?.capabilities?.drop, ['ALL'], container.name);
    }
    const policies = await kube.networking.listNamespacedNetworkPolicy({ namespace });
    assert.ok(policies.items.some((p) => p.spec?.podSelector?.matchLabels?.['k8sclaw.io/run'] === 'hello'));
  });

  it('waits with a clear condition while the instance is missing, then runs when it appears', async () => {
    await run('early', 'bob');
    const waiting = await eventually('the InstanceNotFound condition', async () => {
      const scheduled = condition(await readRun('early'), 'Scheduled');
      return scheduled?.reason === 'InstanceNotFound' ? scheduled : undefined;
    });
    assert.equal(waiting.status, 'False');
    await instance('bob');
    await eventually('the Job once bob exists', async () =>
      (await readRun('early')).status?.jobName ? true : undefined,
    );
  });

  it('fails a run its policy forbids, without a Job', async () => {
    await create('clawpolicies', {
      apiVersion,
      kind: 'ClawPolicy',
      metadata: { name: 'no-subagents', namespace },
      spec: { featureGates: { 'sub-agents': false } },
    });
    await create('clawinstances', {
      apiVersion,
      kind: 'ClawInstance',
      metadata: { name: 'carol', namespace },
      spec: {
        agents: { default: { provider: 'ollama', model: 'm', baseURL: 'http://o:1/v1' } },
        policyRef: 'no-subagents',
      },
    });
    await run('child', 'carol', { parent: { runName: 'hello', spawnDepth: 1 } });
    const failed = await eventually('the run to fail', async () => {
      const current = await readRun('child');
      return current.status?.phase === 'Failed' ? current : undefined;
    });
    assert.equal(condition(failed, 'Completed')?.reason, 'PolicyViolation');
    await assert.rejects(kube.batch.readNamespacedJob({ name: 'agentrun-child', namespace }));
  });

  it('holds runs over the instance limit in Pending until a slot frees', async () => {
    await instance('dave', { maxConcurrentRuns: 1 });
    await run('dave-1', 'dave');
    await eventually('the first Job', async () =>
      (await readRun('dave-1')).status?.jobName ? true : undefined,
    );
    await run('dave-2', 'dave');
    await eventually('the second run to wait for capacity', async () =>
      condition(await readRun('dave-2'), 'Scheduled')?.reason === 'WaitingForCapacity' ? true : undefined,
    );
    await kube.customObjects.deleteNamespacedCustomObject({
      ...group,
      namespace,
      plural: 'agentruns',
      name: 'dave-1',
    });
    await eventually(
      'the second run to get its Job',
      async () => ((await readRun('dave-2')).status?.jobName ? true : undefined),
      60_000,
    );
  });

  it('never starts a run twice: a run whose Job was deleted fails with JobLost', async () => {
    await instance('erin');
    await run('erin-1', 'erin');
    const job = await eventually('the Job', async () =>
      (await readRun('erin-1')).status?.jobName
        ? await kube.batch.readNamespacedJob({ name: 'agentrun-erin-1', namespace })
        : undefined,
    );
    await kube.batch.deleteNamespacedJob({
      name: 'agentrun-erin-1',
      namespace,
      propagationPolicy: 'Background',
    });
    const failed = await eventually('the run to fail', async () => {
      const current = await readRun('erin-1');
      return current.status?.phase === 'Failed' ? current : undefined;
    });
    assert.equal(condition(failed, 'Completed')?.reason, 'JobLost');
    assert.match(failed.status?.error ?? '', /agentrun-erin-1 was deleted before the run finished/);
    // a Job by that name now would be a second execution
    const again = await kube.batch
      .readNamespacedJob({ name: 'agentrun-erin-1', namespace })
      .then((j) => j.metadata?.uid)
      .catch(() => undefined);
    assert.notEqual(again, job.metadata?.uid);
    assert.equal(again, undefined);
  });

  it('holds maxConcurrentRuns exactly under a burst', async () => {
    await instance('frank', { maxConcurrentRuns: 3 });
    const names = Array.from({ length: 40 }, (_, i) => `frank-${i}`);
    await Promise.all(names.map((name) => run(name, 'frank')));
    await eventually(
      'three runs admitted and the rest waiting',
      async () => {
        const runs = await Promise.all(names.map(readRun));
        const admitted = runs.filter((r) => r.status?.jobName).length;
        const waiting = runs.filter((r) => condition(r, 'Scheduled')?.reason === 'WaitingForCapacity').length;
        return admitted + waiting === names.length ? true : undefined;
      },
      60_000,
      500,
    );
    // no node runs these pods, so no Job finishes: every Job ever admitted is still listed
    const jobs = await kube.batch.listNamespacedJob({
      namespace,
      labelSelector: 'k8sclaw.io/instance=frank',
    });
    assert.equal(jobs.items.length, 3, jobs.items.map((j) => j.metadata?.name).join(', '));
  });

  it('gives each of 200 runs exactly one Job while the leader is killed mid-burst', async () => {
    await suite.addReplica('second');
    await instance('burst', { maxConcurrentRuns: 1000 });
    const names = Array.from({ length: 200 }, (_, i) => `burst-${i}`);
    const creations = names.map((name, i) =>
      (async () => {
        if (i === 60) {
          const leader = (
            await Promise.all(suite.controllers.map(async (c) => ((await c.isLeader()) ? c : undefined)))
          ).find(Boolean);
          leader?.kill();
        }
        await run(name, 'burst');
      })(),
    );
    await Promise.all(creations);
    const jobs = await eventually(
      'a Job for every run',
      async () => {
        const list = await kube.batch.listNamespacedJob({
          namespace,
          labelSelector: 'k8sclaw.io/instance=burst',
        });
        return list.items.length >= 200 ? list.items : undefined;
      },
      120_000,
      500,
    );
    assert.equal(jobs.length, 200);
    const owners = jobs.map((j) => j.metadata?.ownerReferences?.[0]?.name).sort();
    assert.deepEqual(owners, [...names].sort());
  });
});
