// Owner references from K8sClaw objects to the children built from them, so the garbage collector
// removes the children with their owner and watches on children map back to the owner's key.
import { apiVersion, K8sClawError, type ObjectMeta, type OwnerReference } from '../api/index.ts';

export interface OwnerObject {
  kind: string;
  metadata: Pick<ObjectMeta, 'name' | 'uid'>;
}

/**
 * A controller owner reference. Objects read from the apiserver always carry a uid; one without is a
 * programming error (an object built locally and never created), so this throws.
 */
export function buildOwnerReference(owner: OwnerObject): OwnerReference {
  const uid = owner.metadata.uid;
  if (!uid) {
    throw new K8sClawError(
      'MissingUid',
      `${owner.kind} ${owner.metadata.name} has no metadata.uid: only objects read from the apiserver can own children`,
    );
  }
  return {
    apiVersion,
    kind: owner.kind,
    name: owner.metadata.name,
    uid,
    controller: true,
    blockOwnerDeletion: true,
  };
}
