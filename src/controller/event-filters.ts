// Which updates of a controller's primary object are worth a reconcile. A controller that is the only
// writer of its kind's status needs no reconcile for its own status writes: they change nothing it
// decides from (controller-runtime's GenerationChangedPredicate, plus the metadata a reconciler reads).

interface ObjectMeta {
  generation?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  finalizers?: string[];
  deletionTimestamp?: unknown;
  ownerReferences?: unknown[];
}

const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

/** True when an update changes the spec (its generation) or metadata a reconciler acts on. */
export function changesMoreThanStatus(previous: object | undefined, object: object): boolean {
  if (!previous) return true;
  const before = (previous as { metadata?: ObjectMeta }).metadata ?? {};
  const after = (object as { metadata?: ObjectMeta }).metadata ?? {};
  return (
    before.generation !== after.generation ||
    !same(before.labels, after.labels) ||
    !same(before.annotations, after.annotations) ||
    !same(before.finalizers, after.finalizers) ||
    !same(before.deletionTimestamp, after.deletionTimestamp) ||
    !same(before.ownerReferences, after.ownerReferences)
  );
}
