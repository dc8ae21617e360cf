// How the controller binary ends: 0 after SIGTERM, non-zero when it stops for any other reason, so
// the kubelet and an operator can tell a failure apart. A lost Lease is no reason to end: the
// replica stands by with its caches and leads again once the Lease is free.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startControllerProcess, type ControllerProcess } from '../../harness/controller-process.ts';
import { installCrds } from '../../harness/crds.ts';
import { eventually } from '../../harness/eventually.ts';
import { integrationKubeClient, integrationKubeconfigPath } from '../../harness/integration.ts';
import { createTestNamespace, deleteTestNamespace } from '../../harness/test-namespace.ts';

describe('controller binary exit status', () => {
  const kube = integrationKubeClient();
  let namespace = '';
  const started: ControllerProcess[] = [];
  before(async () => {
    await installCrds(kube);
    namespace = await createTestNamespace(kube, 'controller-exit');
  });
  after(async () => {
    await Promise.all(started.map((c) => c.stop()));
    await deleteTestNamespace(kube, namespace);
  });

  const start = async (identity: string, leaseName: string) => {
    const controller = await startControllerProcess({
      kubeconfig: integrationKubeconfigPath(),
      namespace,
      identity,
      env: { K8SCLAW_LEASE_NAME: leaseName },
    });
    started.push(controller);
    await eventually(`${identity} to lead`, async () => ((await controller.isLeader()) ? true : undefined));
    return controller;
  };
  const exitOf = (controller: ControllerProcess, timeoutMs: number) =>
    eventually(`${controller.identity} to exit`, async () => controller.process.exitStatus, timeoutMs, 100);

  it('exits 0 when stopped with SIGTERM', async () => {
    const controller = await start('stopped', 'exit-signal');
    await controller.stop();
    assert.deepEqual(await exitOf(controller, 5_000), { code: 0, signal: null });
  });

  it('stands by when its Lease is taken, without exiting, and leads again once it is free', async () => {
    const controller = await start('deposed', 'exit-lost');
    // another holder takes the Lease for an hour: the leader's next renewal finds it gone
    const lease = await kube.coordination.readNamespacedLease({ name: 'exit-lost', namespace });
    const taken = await kube.coordination.replaceNamespacedLease({
      name: 'exit-lost',
      namespace,
      body: { ...lease, spec: { ...lease.spec, holderIdentity: 'intruder', leaseDurationSeconds: 3600 } },
    });
    await eventually('deposed to stand by', async () => ((await controller.isLeader()) ? undefined : true));
    assert.equal(controller.process.exitStatus, undefined, 'still running');
    const stillTaken = await kube.coordination.readNamespacedLease({ name: 'exit-lost', namespace });
    assert.equal(stillTaken.spec?.holderIdentity, 'intruder');
    // the intruder goes away without releasing it: the Lease expires and the standby takes it
    await kube.coordination.replaceNamespacedLease({
      name: 'exit-lost',
      namespace,
      body: { ...taken, spec: { ...taken.spec, leaseDurationSeconds: 1 } },
    });
    await eventually('deposed to lead again', async () => ((await controller.isLeader()) ? true : undefined));
    assert.equal(controller.process.exitStatus, undefined);
  });
});
