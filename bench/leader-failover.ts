// Benchmark: how fast a standby controller takes over, with the default lease timings of
// src/cmd/controller.ts (4 s lease, 3 s renew deadline, 0.5 s retry) or those given in the
// environment: after the leader is killed (SIGKILL, no release; three times, since a kill lands
// anywhere between two renewals) and after a clean stop (SIGTERM releases the Lease), the time
// until the standby leads and until its first reconcile (of the 100 runs that exist).
// Usage: [K8SCLAW_LEASE_DURATION_SECONDS=15 K8SCLAW_RENEW_DEADLINE_SECONDS=10 K8SCLAW_RETRY_PERIOD_SECONDS=2] node bench/leader-failover.ts
import { setTimeout as sleep } from 'node:timers/promises';
import { apiVersion } from '../src/api/index.ts';
import { KubeClient } from '../src/kube/index.ts';
import { startControlPlane } from '../test/harness/control-plane.ts';
import { startControllerProcess, type ControllerProcess } from '../test/harness/controller-process.ts';
import { installCrds } from '../test/harness/crds.ts';
import { eventually } from '../test/harness/eventually.ts';
import { createTestNamespace } from '../test/harness/test-namespace.ts';

// the defaults of src/cmd/controller.ts (the test harness runs controllers with shorter ones)
const production = {
  K8SCLAW_LEASE_DURATION_SECONDS: process.env.K8SCLAW_LEASE_DURATION_SECONDS ?? '4',
  K8SCLAW_RENEW_DEADLINE_SECONDS: process.env.K8SCLAW_RENEW_DEADLINE_SECONDS ?? '3',
  K8SCLAW_RETRY_PERIOD_SECONDS: process.env.K8SCLAW_RETRY_PERIOD_SECONDS ?? '0.5',
};
const reconciles = async (controller: ControllerProcess) =>
  (await controller.metrics())
    .split('\n')
    .filter((line) => line.startsWith('k8sclaw_reconcile_total{'))
    .reduce((sum, line) => sum + Number(line.split(' ').pop()), 0);
const controlPlane = await startControlPlane();
const kube = KubeClient.fromKubeconfigFile(controlPlane.kubeconfigPath);
try {
  await installCrds(kube);
  const namespace = await createTestNamespace(kube, 'failover');
  // something to reconcile: runs of an instance that does not exist wait without Jobs
  for (let i = 0; i < 100; i++) {
    await kube.customObjects.createNamespacedCustomObject({
      group: 'k8sclaw.io',
      version: 'v1alpha1',
      namespace,
      plural: 'agentruns',
      body: {
        apiVersion,
        kind: 'AgentRun',
        metadata: { name: `r-${i}` },
        spec: { instanceRef: 'nobody', task: 't' },
      },
    });
  }
  console.log(
    `lease ${production.K8SCLAW_LEASE_DURATION_SECONDS} s, renew deadline ${production.K8SCLAW_RENEW_DEADLINE_SECONDS} s, retry ${production.K8SCLAW_RETRY_PERIOD_SECONDS} s`,
  );
  // a kill lands anywhere between two renewals: three kills show the spread
  for (const [round, mode] of (['killed', 'killed', 'killed', 'stopped'] as const).entries()) {
    const replicas: ControllerProcess[] = await Promise.all(
      ['a', 'b'].map((id) =>
        startControllerProcess({
          kubeconfig: controlPlane.kubeconfigPath,
          namespace,
          identity: `${mode}-${round}-${id}`,
          env: { ...production, K8SCLAW_LEASE_NAME: `lease-${round}` },
        }),
      ),
    );
    const leader = await eventually('a leader', async () => {
      for (const r of replicas) if (await r.isLeader()) return r;
      return undefined;
    });
    const standby = replicas.find((r) => r !== leader) as ControllerProcess;
    await sleep(3_000);
    const started = performance.now();
    if (mode === 'killed') leader.kill();
    else await leader.stop();
    const seconds = () => ((performance.now() - started) / 1000).toFixed(1);
    await eventually(
      'the standby to lead',
      async () => ((await standby.isLeader()) ? true : undefined),
      60_000,
      50,
    );
    const leading = seconds();
    await eventually(
      'its first reconcile',
      async () => ((await reconciles(standby)) > 0 ? true : undefined),
      60_000,
      50,
    );
    console.log(
      `failover after the leader was ${mode}: leading after ${leading} s, first reconcile after ${seconds()} s`,
    );
    await standby.stop();
  }
} finally {
  await controlPlane.stop();
}
