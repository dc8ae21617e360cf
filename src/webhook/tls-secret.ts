// The webhook's serving pair read from a kubernetes.io/tls Secret that something else keeps (as
// cert-manager writes it: tls.crt, tls.key and ca.crt). Reading only: with the certificates issued
// elsewhere the webhook must never write the Secret or a caBundle, or it would fight their issuer.
import { type KubeClient } from '../kube/index.ts';
import type { TlsPair } from './tls-files.ts';

/** The keys of a kubernetes.io/tls Secret the webhook serves from. */
export const issuedSecretKeys = { cert: 'tls.crt', key: 'tls.key', ca: 'ca.crt' } as const;

/**
 * The pair a Secret's data (base64, as the API returns it) holds, or a sentence naming what is
 * missing: a Secret its issuer has not filled yet must not be served half.
 */
export function tlsPairOfSecretData(
  data: Record<string, string> | undefined,
): { pair: TlsPair; caCert: string | undefined } | { missing: string[] } {
  const decoded = (key: string) => {
    const value = data?.[key];
    return value ? Buffer.from(value, 'base64').toString('utf8') : undefined;
  };
  const cert = decoded(issuedSecretKeys.cert);
  const key = decoded(issuedSecretKeys.key);
  if (!cert || !key) {
    return {
      missing: [...(cert ? [] : [issuedSecretKeys.cert]), ...(key ? [] : [issuedSecretKeys.key])],
    };
  }
  return { pair: { cert, key }, caCert: decoded(issuedSecretKeys.ca) };
}

/** Reads the Secret through the API (a renewal is seen at the next read, not after a volume refresh). */
export async function readIssuedTlsSecret(
  kube: KubeClient,
  namespace: string,
  name: string,
): Promise<TlsPair> {
  const secret = await kube.core.readNamespacedSecret({ namespace, name });
  const result = tlsPairOfSecretData(secret.data);
  if ('missing' in result)
    throw new Error(`Secret ${namespace}/${name} holds no ${result.missing.join(' and ')} yet`);
  return result.pair;
}
