// Pure planning for the local cluster's volume provisioner: which PersistentVolumes to create for
// pending claims of the local StorageClass, and which provisioned volumes to delete once released.
import type { V1PersistentVolume, V1PersistentVolumeClaim } from '../../../src/kube/index.ts';

export const storageClassName = 'k8sclaw-local';
export const provisionerName = 'k8sclaw.local/hostpath';
const provisionedByAnnotation = 'pv.kubernetes.io/provisioned-by';

export interface VolumePlan {
  create: V1PersistentVolume[];
  /** Provisioned volumes whose claim is gone: delete the PV and its directory. */
  release: { name: string; path: string }[];
}

export function volumeName(claim: V1PersistentVolumeClaim): string {
  return `pvc-${claim.metadata?.uid ?? ''}`;
}

export function planVolumes(
  claims: V1PersistentVolumeClaim[],
  volumes: V1PersistentVolume[],
  volumeRoot: string,
  nodeName: string,
): VolumePlan {
  const existing = new Set(volumes.map((v) => v.metadata?.name));
  const create = claims
    .filter(
      (c) =>
        c.spec?.storageClassName === storageClassName &&
        c.status?.phase === 'Pending' &&
        !c.spec.volumeName &&
        !existing.has(volumeName(c)),
    )
    .map((claim): V1PersistentVolume => {
      const name = volumeName(claim);
      return {
        apiVersion: 'v1',
        kind: 'PersistentVolume',
        metadata: { name, annotations: { [provisionedByAnnotation]: provisionerName } },
        spec: {
          capacity: { storage: claim.spec?.resources?.requests?.storage ?? '1Gi' },
          accessModes: claim.spec?.accessModes ?? ['ReadWriteOnce'],
          persistentVolumeReclaimPolicy: 'Delete',
          storageClassName,
          volumeMode: 'Filesystem',
          hostPath: { path: `${volumeRoot}/${name}`, type: 'DirectoryOrCreate' },
          claimRef: {
            apiVersion: 'v1',
            kind: 'PersistentVolumeClaim',
            namespace: claim.metadata?.namespace ?? '',
            name: claim.metadata?.name ?? '',
            uid: claim.metadata?.uid ?? '',
          },
          nodeAffinity: {
            required: {
              nodeSelectorTerms: [
                { matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [nodeName] }] },
              ],
            },
          },
        },
      };
    });
  const release = volumes
    .filter(
      (v) =>
        v.metadata?.annotations?.[provisionedByAnnotation] === provisionerName &&
        (v.status?.phase === 'Released' || v.status?.phase === 'Failed'),
    )
    .map((v) => ({ name: v.metadata?.name ?? '', path: v.spec?.hostPath?.path ?? '' }));
  return { create, release };
}

export function buildStorageClass() {
  return {
    apiVersion: 'storage.k8s.io/v1',
    kind: 'StorageClass',
    metadata: {
      name: storageClassName,
      annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' },
    },
    provisioner: provisionerName,
    reclaimPolicy: 'Delete',
    volumeBindingMode: 'Immediate',
  };
}
