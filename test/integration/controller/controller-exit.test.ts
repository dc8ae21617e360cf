// How the controller binary ends: 0 after SIGTERM, non-zero when it stops for any other reason
// (its Lease taken by another holder), so the kubelet and an operator can tell a failure apart.
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

  it('exits non-zero when its leadership is lost', async () => {
    const controller = await start('deposed', 'exit-lost');
    // another holder takes the Lease for an hour: the leader's next renewal finds it gone
    const lease = await kube.coordination.readNamespacedLease({ name: 'exit-lost', namespace });
    await kube.coordination.replaceNamespacedLease({
      name: 'exit-lost',
      namespace,
      body: { ...lease, spec: { ...lease.spec, holderIdentity: 'intruder', leaseDurationSeconds: 3600 } },
    });
    const status = await exitOf(controller, 30_000);
    assert.equal(status.signal, null);
    assert.notEqual(status.code, 0);
  });
});
