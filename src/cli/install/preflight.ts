// Checks before install/uninstall touch anything: the API answers, and the current user may do
// what the command needs. Failures become one clear sentence.
import { KubeApiError, toKubeError, type KubeClient } from '../../kube/index.ts';
import { CliError } from '../cli-error.ts';

export interface RequiredPermission {
  verb: string;
  group: string;
  resource: string;
}

export const installPermissions: RequiredPermission[] = [
  { verb: 'create', group: 'apiextensions.k8s.io', resource: 'customresourcedefinitions' },
  { verb: 'create', group: '', resource: 'namespaces' },
  { verb: 'patch', group: 'apps', resource: 'statefulsets' },
];

export const uninstallPermissions: RequiredPermission[] = [
  { verb: 'delete', group: 'apiextensions.k8s.io', resource: 'customresourcedefinitions' },
  { verb: 'delete', group: '', resource: 'namespaces' },
];

function describeError(error: unknown): string {
  const normalised = toKubeError(error);
  if (normalised instanceof KubeApiError)
    return `${normalised.status} ${normalised.reason}: ${normalised.message}`;
  const message = normalised instanceof Error ? normalised.message : String(normalised);
  // network failures carry the real reason (ECONNREFUSED, a TLS error …) a few causes deep
  let innermost: unknown = normalised;
  while (innermost instanceof Error && innermost.cause instanceof Error) innermost = innermost.cause;
  return innermost instanceof Error && innermost !== normalised
    ? `${message}: ${innermost.message}`
    : message;
}

export async function checkClusterAccess(
  kube: KubeClient,
  permissions: RequiredPermission[],
  purpose: string,
): Promise<string> {
  let serverVersion: string;
  try {
    serverVersion = (await kube.version.getCode()).gitVersion;
  } catch (error) {
    throw new CliError(
      'ClusterUnreachable',
      `cannot reach the Kubernetes API at ${kube.server}: ${describeError(error)}`,
      {
        cause: error,
      },
    );
  }
  for (const permission of permissions) {
    let allowed: boolean;
    try {
      const review = await kube.authorization.createSelfSubjectAccessReview({
        body: {
          spec: {
            resourceAttributes: {
              verb: permission.verb,
              group: permission.group,
              resource: permission.resource,
            },
          },
        },
      });
      allowed = review.status?.allowed ?? false;
    } catch (error) {
      throw new CliError(
        'AccessReviewFailed',
        `cannot check permissions at ${kube.server}: ${describeError(error)}`,
        {
          cause: error,
        },
      );
    }
    if (!allowed) {
      const resource = permission.group ? `${permission.resource}.${permission.group}` : permission.resource;
      throw new CliError(
        'PermissionDenied',
        `permission denied: the current user cannot ${permission.verb} ${resource}; ${purpose} needs cluster-admin rights`,
      );
    }
  }
  return serverVersion;
}
