// The `<instance>-memory` ConfigMap holding MEMORY.md, owned by the ClawInstance. This is the object
// as first created, seeded with a header; afterwards the controller only changes its data through
// applyMemoryUpdates, so a re-apply must never overwrite what the agents have learned.
import { labels, type ClawInstance } from '../api/index.ts';
import { buildOwnerReference } from './build-owner-reference.ts';
import { memoryConfigMapName } from './child-names.ts';
import type { ConfigMapManifest } from './kubernetes-manifests.ts';
import { buildObjectLabels } from './object-labels.ts';

export const memoryFileKey = 'MEMORY.md';

export function buildMemoryHeader(instanceName: string): string {
  return `# Memory of ${instanceName}\n`;
}

export function buildMemoryConfigMap(instance: ClawInstance): ConfigMapManifest {
  const name = instance.metadata.name;
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: memoryConfigMapName(name),
      namespace: instance.metadata.namespace,
      labels: buildObjectLabels('memory', { [labels.instance]: name }),
      ownerReferences: [buildOwnerReference(instance)],
    },
    data: { [memoryFileKey]: buildMemoryHeader(name) },
  };
}
