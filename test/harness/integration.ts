// Entry point for integration test files: the admin client of the control plane started by
// test/integration/global-setup.ts.
import { KubeClient } from '../../src/kube/index.ts';

export function integrationKubeconfigPath(): string {
  const file = process.env.K8SCLAW_TEST_KUBECONFIG;
  if (!file) {
    throw new Error(
      'K8SCLAW_TEST_KUBECONFIG is not set: run integration tests with `make test-integration`, which starts the control plane',
    );
  }
  return file;
}

export function integrationKubeClient(): KubeClient {
  return KubeClient.fromKubeconfigFile(integrationKubeconfigPath());
}

/** The control plane's etcd, for tests that act on storage directly. */
export function integrationEtcdUrl(): string {
  const url = process.env.K8SCLAW_TEST_ETCD_URL;
  if (!url)
    throw new Error('K8SCLAW_TEST_ETCD_URL is not set: run integration tests with `make test-integration`');
  return url;
}
