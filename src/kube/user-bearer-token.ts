// The bearer token of the kube context's user, as the client library resolves it for its own
// requests: a token in the kubeconfig, a token file, or an exec or auth-provider plugin's output.
// For callers that present the user's identity to another server that checks it with TokenReview.
import type { KubeClient } from './kube-client.ts';

/** The token, or undefined when the user authenticates otherwise (client certificates, basic). */
export async function userBearerToken(kube: KubeClient): Promise<string | undefined> {
  const options: { headers?: Record<string, string> } = {};
  await kube.config.applyToHTTPSOptions(options);
  const header = options.headers?.Authorization ?? options.headers?.authorization;
  const token = typeof header === 'string' ? /^Bearer\s+(\S+)$/i.exec(header)?.[1] : undefined;
  return token || undefined;
}
