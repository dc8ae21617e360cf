// How a Kubernetes object is shown to API callers: as stored, without managedFields (server-side
// apply bookkeeping that is noise to a caller and large).
export function presentObject<T>(object: T): T {
  const metadata = (object as { metadata?: Record<string, unknown> }).metadata;
  if (!metadata || !('managedFields' in metadata)) return object;
  const { managedFields: _dropped, ...rest } = metadata;
  return { ...object, metadata: rest };
}
