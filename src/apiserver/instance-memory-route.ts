// An instance's memory: the MEMORY.md of its `<instance>-memory` ConfigMap, shown only when that
// ConfigMap is the instance's own (owned by it), as the controller mounts only its own. Reading it
// needs what kubectl would: `get` on the ClawInstance and on the ConfigMap.
import { clawInstanceKind, group, version, type ClawInstance } from '../api/index.ts';
import { undefinedIfNotFound } from '../kube/index.ts';
import { memoryConfigMapName, memoryFileKey } from '../orchestrator/index.ts';
import { ApiError, apiErrorCodes } from './api-error.ts';
import { memorySchema } from './api-schemas.ts';
import { namespacePath } from './resource-routes.ts';
import { k8sclawResource } from './resource-access.ts';
import type { RouteDefinition } from './route-definition.ts';

export const instanceMemoryRoute: RouteDefinition = {
  method: 'get',
  path: `${namespacePath}/instances/{name}/memory`,
  operationId: 'getClawInstanceMemory',
  summary: "Read an instance's memory (MEMORY.md).",
  tag: 'instances',
  response: { status: 200, description: "The instance's memory document.", schema: memorySchema },
  access: ({ namespace = '', name = '' }) => [
    k8sclawResource('get', clawInstanceKind.plural, namespace, name),
    { verb: 'get', group: '', resource: 'configmaps', namespace, name: memoryConfigMapName(name) },
  ],
  handle: async ({ kube, params }) => {
    const namespace = params.namespace ?? '';
    const name = params.name ?? '';
    const instance = (await kube.customObjects.getNamespacedCustomObject({
      group,
      version,
      plural: clawInstanceKind.plural,
      namespace,
      name,
    })) as ClawInstance;
    const configMapName = memoryConfigMapName(name);
    const configMap = await undefinedIfNotFound(
      kube.core.readNamespacedConfigMap({ name: configMapName, namespace }),
    );
    const owned = (configMap?.metadata?.ownerReferences ?? []).some(
      (owner) => owner.uid === instance.metadata.uid,
    );
    if (!configMap || !owned) {
      throw new ApiError(404, {
        code: apiErrorCodes.notFound,
        message: `instance ${name} has no memory ConfigMap of its own (${configMapName})`,
      });
    }
    const resourceVersion = configMap.metadata?.resourceVersion;
    return {
      instance: name,
      configMapName,
      content: configMap.data?.[memoryFileKey] ?? '',
      ...(resourceVersion ? { resourceVersion } : {}),
    };
  },
};
