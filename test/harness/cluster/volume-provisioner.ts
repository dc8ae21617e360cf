// The local cluster's volume provisioner, run as a daemon by `hack/cluster up`: it gives every
// pending claim of the default StorageClass a directory under the cluster's state and a hostPath
// PersistentVolume bound to that claim, and deletes both once the claim is gone. Directories are
// world-writable, since a pod's fsGroup cannot change the ownership of a hostPath volume.
// Usage: node volume-provisioner.ts <kubeconfig> <volume-root> <node-name>
import { chmod, mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { KubeClient, isNotFound } from '../../../src/kube/index.ts';
import { planVolumes } from './volume-plan.ts';

const [kubeconfig, volumeRoot, nodeName] = process.argv.slice(2);
if (!kubeconfig || !volumeRoot || !nodeName) {
  console.error('usage: volume-provisioner.ts <kubeconfig> <volume-root> <node-name>');
  process.exit(2);
}
const kube = KubeClient.fromKubeconfigFile(kubeconfig);
let stopping = false;
process.on('SIGTERM', () => (stopping = true));
process.on('SIGINT', () => (stopping = true));

async function reconcileOnce(): Promise<void> {
  const [claims, volumes] = await Promise.all([
    kube.core.listPersistentVolumeClaimForAllNamespaces(),
    kube.core.listPersistentVolume(),
  ]);
  const plan = planVolumes(claims.items, volumes.items, volumeRoot as string, nodeName as string);
  for (const volume of plan.create) {
    const dir = volume.spec?.hostPath?.path ?? '';
    await mkdir(dir, { recursive: true });
    await chmod(dir, 0o777);
    await kube.core.createPersistentVolume({ body: volume });
    console.log(`provisioned ${volume.metadata?.name} at ${dir}`);
  }
  for (const { name, path: dir } of plan.release) {
    if (dir.startsWith(`${path.resolve(volumeRoot as string)}/`))
      await rm(dir, { recursive: true, force: true });
    await kube.core.deletePersistentVolume({ name }).catch((error: unknown) => {
      if (!isNotFound(error)) throw error;
    });
    console.log(`deleted ${name}`);
  }
}

let announced = false;
while (!stopping) {
  try {
    await reconcileOnce();
    if (!announced) console.log('volume provisioner ready');
    announced = true;
  } catch (error) {
    console.error(`volume provisioner: ${error instanceof Error ? error.message : String(error)}`);
  }
  await sleep(1_000);
}
