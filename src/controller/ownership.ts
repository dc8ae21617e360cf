// Ownership by uid: K8sClaw reads, mounts and writes a child object (a memory ConfigMap, a Job) only
// when it carries an owner reference to the very object it belongs to, never one of the same name
// that a user made, nor one left by an earlier object of the same name.

/** Whether `object` has an owner reference to the object with this uid. */
export function isOwnedBy(
  object: { metadata?: { ownerReferences?: readonly { uid: string }[] } },
  uid: string | undefined,
): boolean {
  return uid !== undefined && (object.metadata?.ownerReferences ?? []).some((o) => o.uid === uid);
}
