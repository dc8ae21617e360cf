// Installs the K8sClaw CRDs (built from src/api, the same objects `make manifests` writes) into a
// test control plane and waits until each is Established.
import { buildCustomResourceDefinition, crdName, kinds } from '../../src/api/index.ts';
import type { KubeClient } from '../../src/kube/index.ts';
import { eventually } from './eventually.ts';

export async function installCrds(kube: KubeClient): Promise<void> {
  for (const kind of kinds) {
    await kube.apply(buildCustomResourceDefinition(kind) as never, 'k8sclaw-test');
  }
  for (const kind of kinds) {
    await eventually(`CRD ${crdName(kind)} to be Established`, async () => {
      const crd = await kube.apiextensions.readCustomResourceDefinition({ name: crdName(kind) });
      return crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True')
        ? true
        : undefined;
    });
  }
}
