// cert-manager's real CRDs (deploy/crds of its release module, see hack/cert-manager-crds.sh) in a
// test control plane, so install's cert-manager objects meet cert-manager's own schemas; and their
// removal, so later test files see a cluster without cert-manager again. cert-manager itself (its
// controller, its cainjector) cannot be built here and does not run.
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { parse } from 'yaml';
import { ignoreNotFound, type KubeClient } from '../../src/kube/index.ts';
import { certManagerCrdsDir } from './binaries.ts';
import { eventually, whenGone } from './eventually.ts';

interface Crd {
  apiVersion: string;
  kind: string;
  metadata: { name: string };
}

async function readCrds(): Promise<Crd[]> {
  const dir = certManagerCrdsDir();
  const files = (await readdir(dir)).filter((file) => file.endsWith('.yaml')).sort();
  return await Promise.all(
    files.map(async (file) => parse(await readFile(path.join(dir, file), 'utf8')) as Crd),
  );
}

/** Applies every CRD of deploy/crds and waits until each is Established; returns their names. */
export async function installCertManagerCrds(kube: KubeClient): Promise<string[]> {
  const crds = await readCrds();
  for (const crd of crds) await kube.apply(crd as never, 'k8sclaw-test');
  for (const { metadata } of crds) {
    await eventually(`CRD ${metadata.name} to be Established`, async () => {
      const live = await kube.apiextensions.readCustomResourceDefinition({ name: metadata.name });
      return live.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True')
        ? true
        : undefined;
    });
  }
  return crds.map((crd) => crd.metadata.name);
}

/** Deletes them and waits until they are gone. */
export async function deleteCertManagerCrds(kube: KubeClient): Promise<void> {
  const crds = await readCrds();
  for (const { metadata } of crds)
    await ignoreNotFound(kube.apiextensions.deleteCustomResourceDefinition({ name: metadata.name }));
  for (const { metadata } of crds) {
    await eventually(
      `CRD ${metadata.name} to be gone`,
      whenGone(() => kube.apiextensions.readCustomResourceDefinition({ name: metadata.name })),
    );
  }
}
