// Turns a failed Kubernetes call of a command into one sentence naming what the user asked for:
// `agentrun "x" not found in namespace "y"`, a permission the current user lacks, the K8sClaw API
// missing from the cluster, or an unreachable API server.
import { K8sClawError, type KindDescriptor } from '../api/index.ts';
import { KubeApiError, toKubeError } from '../kube/index.ts';
import { CliError } from './cli-error.ts';

export interface KubeTarget {
  verb: 'list' | 'get' | 'create' | 'delete' | 'patch';
  kind: Pick<KindDescriptor, 'singular' | 'plural'>;
  /** Absent for a list. */
  name?: string;
  /** Absent for a list across all namespaces. */
  namespace?: string;
  /** The API server's address, for connection failures. */
  server: string;
}

function where(target: KubeTarget): string {
  return target.namespace === undefined ? 'in any namespace' : `in namespace "${target.namespace}"`;
}

/** The innermost cause of a network failure (ECONNREFUSED, a TLS error …), a few causes deep. */
function innermostMessage(error: Error): string {
  let innermost: Error = error;
  while (innermost.cause instanceof Error) innermost = innermost.cause;
  return innermost === error ? error.message : `${error.message}: ${innermost.message}`;
}

export function explainKubeFailure(error: unknown, target: KubeTarget): unknown {
  const failure = toKubeError(error);
  if (!(failure instanceof KubeApiError)) {
    // our own errors are already sentences; anything else failed before the API server answered
    if (failure instanceof K8sClawError || !(failure instanceof Error)) return failure;
    return new CliError(
      'ClusterUnreachable',
      `cannot reach the Kubernetes API at ${target.server}: ${innermostMessage(failure)}`,
      { cause: error },
    );
  }
  const { singular, plural } = target.kind;
  if (failure.status === 404) {
    // a missing object, or (for a list, or when no object name matches the message) a missing API
    if (
      target.name !== undefined &&
      failure.reason === 'NotFound' &&
      failure.message.includes(`"${target.name}"`)
    )
      return new CliError('NotFound', `${singular} "${target.name}" not found ${where(target)}`, {
        cause: error,
      });
    return new CliError(
      'ApiMissing',
      `the cluster does not serve ${plural}: K8sClaw is not installed there (run "k8sclaw install")`,
      { cause: error },
    );
  }
  if (failure.status === 403)
    return new CliError(
      'Forbidden',
      `permission denied: the current user cannot ${target.verb} ${plural} ${where(target)}`,
      { cause: error },
    );
  if (failure.status === 401)
    return new CliError('Unauthorized', `the API server at ${target.server} did not accept the credentials`, {
      cause: error,
    });
  return failure;
}
