// The setup every controller integration file shares: the CRDs installed, a fresh namespace, and the
// controller binary running against the integration control plane; all stopped and removed after.
import { after, before } from 'node:test';
import { installCrds } from './crds.ts';
import { startControllerProcess, type ControllerProcess } from './controller-process.ts';
import { integrationKubeClient, integrationKubeconfigPath } from './integration.ts';
import { createTestNamespace, deleteTestNamespace } from './test-namespace.ts';

export interface ControllerSuite {
  kube: ReturnType<typeof integrationKubeClient>;
  namespace: string;
  controllers: ControllerProcess[];
  /** Starts one more controller replica (for leader-election cases). */
  addReplica(identity: string): Promise<ControllerProcess>;
}

/** Registers the suite's before/after hooks; call inside describe(). */
export function useControllerSuite(
  name: string,
  options: {
    replicas?: string[];
    withPods?: boolean;
    /** Extra environment of every replica, read when it starts (e.g. a bus started in an earlier hook). */
    env?: () => NodeJS.ProcessEnv;
  } = {},
): ControllerSuite {
  const suite: ControllerSuite = {
    kube: integrationKubeClient(),
    namespace: '',
    controllers: [],
    addReplica: async (identity) => {
      const replica = await startControllerProcess({
        kubeconfig: integrationKubeconfigPath(),
        namespace: suite.namespace,
        identity,
        ...(options.env ? { env: options.env() } : {}),
      });
      suite.controllers.push(replica);
      return replica;
    },
  };
  before(async () => {
    await installCrds(suite.kube);
    suite.namespace = await createTestNamespace(suite.kube, name, {
      waitForDefaultServiceAccount: options.withPods ?? false,
    });
    await Promise.all((options.replicas ?? ['solo']).map((identity) => suite.addReplica(identity)));
  });
  after(async () => {
    await Promise.all(suite.controllers.map((c) => c.stop()));
    await deleteTestNamespace(suite.kube, suite.namespace);
  });
  return suite;
}
