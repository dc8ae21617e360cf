// List and get of each K8sClaw kind in a namespace: the reads kubectl would make with the same
// verbs (`list`/`get` on the kind's plural), answered from the apiserver with our own
// ServiceAccount once the caller's SubjectAccessReview allowed them.
import { group, version, type KindDescriptor } from '../api/index.ts';
import { listSchema, resourceSchema } from './api-schemas.ts';
import { parseListQuery, toListPage } from './list-query.ts';
import { presentObject } from './present-object.ts';
import { k8sclawResource } from './resource-access.ts';
import type { RouteDefinition } from './route-definition.ts';

export const namespacePath = '/api/v1/namespaces/{namespace}';

export function buildListRoute(kind: KindDescriptor, segment: string, tag: string): RouteDefinition {
  return {
    method: 'get',
    path: `${namespacePath}/${segment}`,
    operationId: `list${kind.kind}s`,
    summary: `List the ${kind.kind}s of a namespace, a page at a time.`,
    tag,
    paginated: true,
    response: { status: 200, description: `A page of ${kind.kind}s.`, schema: listSchema(kind) },
    access: ({ namespace = '' }) => [k8sclawResource('list', kind.plural, namespace)],
    handle: async ({ kube, params, query }) => {
      const { limit, continueToken } = parseListQuery(query);
      const list = (await kube.customObjects.listNamespacedCustomObject({
        group,
        version,
        namespace: params.namespace ?? '',
        plural: kind.plural,
        limit,
        ...(continueToken !== undefined ? { _continue: continueToken } : {}),
      })) as { items: unknown[]; metadata?: { continue?: string; remainingItemCount?: number } };
      return toListPage(list, presentObject);
    },
  };
}

export function buildGetRoute(kind: KindDescriptor, segment: string, tag: string): RouteDefinition {
  return {
    method: 'get',
    path: `${namespacePath}/${segment}/{name}`,
    operationId: `get${kind.kind}`,
    summary: `Read one ${kind.kind}.`,
    tag,
    response: { status: 200, description: `The ${kind.kind}.`, schema: resourceSchema(kind) },
    access: ({ namespace = '', name }) => [k8sclawResource('get', kind.plural, namespace, name)],
    handle: async ({ kube, params }) =>
      presentObject(
        await kube.customObjects.getNamespacedCustomObject({
          group,
          version,
          namespace: params.namespace ?? '',
          plural: kind.plural,
          name: params.name ?? '',
        }),
      ),
  };
}
