// What a request needs to be allowed to do, in the terms of Kubernetes authorization: the same
// verb, group, resource and namespace kubectl would need for the same action. Every route declares
// its list of ResourceAccess; the caller must be allowed every one of them (SubjectAccessReview)
// before the API server acts with its own ServiceAccount.
import { group } from '../api/index.ts';

export type Verb = 'get' | 'list' | 'create' | 'update' | 'patch' | 'delete';

export interface ResourceAccess {
  verb: Verb;
  /** API group: `k8sclaw.io`, or '' for the core group (ConfigMaps). */
  group: string;
  resource: string;
  namespace: string;
  name?: string;
}

export const k8sclawResource = (
  verb: Verb,
  resource: string,
  namespace: string,
  name?: string,
): ResourceAccess => ({ verb, group, resource, namespace, ...(name !== undefined ? { name } : {}) });

/** `get agentruns.k8sclaw.io "r1" in namespace "team-a"`: how a denial names what was refused. */
export function describeAccess(access: ResourceAccess): string {
  const resource = access.group ? `${access.resource}.${access.group}` : access.resource;
  const name = access.name !== undefined ? ` "${access.name}"` : '';
  return `${access.verb} ${resource}${name} in namespace "${access.namespace}"`;
}
