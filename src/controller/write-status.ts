// The one status write of a reconcile: server-side apply of the status subresource under the
// kind's own field manager, only when the planned status differs from the stored one.
import { fieldManagers, resourceOf, type KindDescriptor } from '../api/index.ts';
import type { KubeClient } from '../kube/index.ts';
import { isSameJson } from './status-conditions.ts';

export async function writeStatusIfChanged<Status>(
  kube: KubeClient,
  kind: KindDescriptor,
  object: { metadata: { name: string; namespace: string }; status?: Status },
  status: Status,
): Promise<boolean> {
  if (isSameJson(object.status ?? {}, status)) return false;
  const resource = resourceOf(kind);
  await kube.applyStatus(
    resource,
    {
      apiVersion: resource.apiVersion,
      kind: resource.kind,
      metadata: { name: object.metadata.name, namespace: object.metadata.namespace },
      status,
    },
    fieldManagers.controller(kind.kind.toLowerCase()),
  );
  return true;
}
