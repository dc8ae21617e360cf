// How the CLI reaches the K8sClaw API server as the user: `--api` with its URL, or else a
// port-forward to a ready pod of the Service `k8sclaw-apiserver` (the kube-apiserver's service
// proxy would drop the bearer token the API server needs); the token is `--token` or the kube
// context's user's own bearer token. Shared by `k8sclaw chat` and the TUI's live run events.
import { forwardServicePort, KubeApiError, userBearerToken, type ServicePortForward } from '../kube/index.ts';
import type { CliContext } from './cli-context.ts';
import { CliError } from './cli-error.ts';
import { explainKubeFailure } from './kube-failure.ts';
import { UsageError } from './usage-error.ts';

/** Where `install` puts the API server; its HTTP API port. */
export const apiServerService = { namespace: 'k8sclaw-system', service: 'k8sclaw-apiserver', port: 8080 };

export interface ApiServerConnection {
  /** `http://…` without a trailing slash. */
  url: string;
  token: string;
  /** The port-forward the URL goes through, when `--api` was not given; closed by `close`. */
  forward?: ServicePortForward;
}

/** The innermost message of a network failure (fetch wraps the socket's error in its cause). */
export function causeOf(error: unknown): string {
  let inner = error;
  while (inner instanceof Error && inner.cause instanceof Error) inner = inner.cause;
  return inner instanceof Error ? inner.message : String(inner);
}

/** One sentence for a request that did not reach the API server over `connection`. */
export function unreachableSentence(connection: ApiServerConnection, error: unknown): string {
  const forwardError = connection.forward?.lastError;
  const where = connection.forward
    ? `through a port-forward to pod ${connection.forward.pod}`
    : `at ${connection.url}`;
  return `cannot reach the K8sClaw API server ${where}: ${forwardError ? causeOf(forwardError) : causeOf(error)}`;
}

/** Resolves the token and the URL (opening the port-forward); failures are one-sentence CliErrors. */
export async function connectApiServer(
  ctx: CliContext,
  /** `flags`: the caller has --api and --token, so a failure may suggest them (default true). */
  options: { api?: string; token?: string; flags?: boolean },
): Promise<ApiServerConnection> {
  const hint = (advice: string) => (options.flags === false ? '' : advice);
  const token = options.token ?? (await userBearerToken(ctx.kube()));
  if (!token)
    throw new CliError(
      'NoToken',
      `the kube context's user has no bearer token (it signs in another way, e.g. with a client certificate)${hint(': pass --token')}`,
    );
  if (options.api !== undefined) {
    if (!/^https?:\/\/[^/]/.test(options.api))
      throw new UsageError(`--api must be an http(s) URL: ${options.api}`);
    return { url: options.api.replace(/\/+$/, ''), token };
  }
  const kube = ctx.kube();
  try {
    const forward = await forwardServicePort(kube, apiServerService);
    return { url: forward.url, token, forward };
  } catch (error) {
    if (error instanceof KubeApiError && error.status === 403)
      throw new CliError(
        'Forbidden',
        `permission denied: reaching the K8sClaw API server through the cluster needs get services, list pods and create pods/portforward in namespace "${apiServerService.namespace}"${hint('; pass --api with its URL')}`,
        { cause: error },
      );
    const failure = explainKubeFailure(error, {
      verb: 'get',
      kind: { singular: 'service', plural: 'services' },
      name: apiServerService.service,
      namespace: apiServerService.namespace,
      server: kube.server,
    });
    const reason = failure instanceof Error ? failure.message : String(failure);
    throw new CliError(
      'ApiUnreachable',
      `cannot reach the K8sClaw API server through the cluster (${reason})${hint('; pass --api with its URL')}`,
      { cause: error },
    );
  }
}
