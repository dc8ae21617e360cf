// Benchmark: how fast a standby controller takes over, with the production lease timings (15 s
// lease, 10 s renew deadline, 2 s retry): after the leader is killed (SIGKILL, no release) and after
// a clean stop (SIGTERM releases the Lease).
// Usage: node bench/leader-failover.ts
import { setTimeout as sleep } from 'node:timers/promises';
import { KubeClient } from '../src/kube/index.ts';
import { startControlPlane } from '../test/harness/control-plane.ts';
import { startControllerProcess, type ControllerProcess } from '../test/harness/controller-process.ts';
import { installCrds } from '../test/harness/crds.ts';
import { eventually } from '../test/harness/eventually.ts';
import { createTestNamespace } from '../test/harness/test-namespace.ts';

const production = {
  K8SCLAW_LEASE_DURATION_SECONDS: '15',
  K8SCLAW_RENEW_DEADLINE_SECONDS: '10',
  K8SCLAW_RETRY_PERIOD_SECONDS: '2',
};
const controlPlane = await startControlPlane();
const kube = KubeClient.fromKubeconfigFile(controlPlane.kubeconfigPath);
try {
  await installCrds(kube);
  const namespace = await createTestNamespace(kube, 'failover');
  for (const mode of ['killed', 'stopped'] as const) {
    const replicas: ControllerProcess[] = await Promise.all(
      ['a', 'b'].map((id) =>
        startControllerProcess({
          kubeconfig: controlPlane.kubeconfigPath,
          namespace,
          identity: `${mode}-${id}`,
          env: { ...production, K8SCLAW_LEASE_NAME: `lease-${mode}` },
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
    await eventually(
      'the standby to lead',
      async () => ((await standby.isLeader()) ? true : undefined),
      60_000,
      50,
    );
    console.log(
      `failover after the leader was ${mode}: ${((performance.now() - started) / 1000).toFixed(1)} s`,
    );
    await standby.stop();
  }
} finally {
  await controlPlane.stop();
}
