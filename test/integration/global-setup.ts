// Global setup of the integration tier: one real control plane (etcd, kube-apiserver,
// kube-controller-manager) for the whole run; each test file works in its own namespace.
// Test files find it through K8SCLAW_TEST_KUBECONFIG (and its etcd through K8SCLAW_TEST_ETCD_URL).
import { startControlPlane, type ControlPlane } from '../harness/control-plane.ts';

let controlPlane: ControlPlane | undefined;

export async function globalSetup(): Promise<void> {
  const started = Date.now();
  controlPlane = await startControlPlane({ controllerManager: true });
  process.env.K8SCLAW_TEST_KUBECONFIG = controlPlane.kubeconfigPath;
  process.env.K8SCLAW_TEST_ETCD_URL = controlPlane.etcdUrl;
  console.log(`integration control plane ready in ${Date.now() - started} ms at ${controlPlane.server}`);
}

export async function globalTeardown(): Promise<void> {
  await controlPlane?.stop();
}
