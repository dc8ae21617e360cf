// Renders kubeconfig files with embedded credentials (certificate data or a bearer token), the
// form every client (kubectl, @kubernetes/client-node, our CLI) reads without further files.
import { parse, stringify } from 'yaml';

export type KubeconfigCredentials =
  { clientCertificatePem: string; clientKeyPem: string } | { token: string };

export interface KubeconfigSpec {
  server: string;
  certificateAuthorityPem: string;
  userName: string;
  credentials: KubeconfigCredentials;
  clusterName?: string;
  contextName?: string;
  namespace?: string;
}

const base64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64');

export function buildKubeconfig(spec: KubeconfigSpec): string {
  const clusterName = spec.clusterName ?? 'k8sclaw-test';
  const contextName = spec.contextName ?? clusterName;
  const user =
    'token' in spec.credentials
      ? { token: spec.credentials.token }
      : {
          'client-certificate-data': base64(spec.credentials.clientCertificatePem),
          'client-key-data': base64(spec.credentials.clientKeyPem),
        };
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      {
        name: clusterName,
        cluster: { server: spec.server, 'certificate-authority-data': base64(spec.certificateAuthorityPem) },
      },
    ],
    users: [{ name: spec.userName, user }],
    contexts: [
      {
        name: contextName,
        context: {
          cluster: clusterName,
          user: spec.userName,
          ...(spec.namespace ? { namespace: spec.namespace } : {}),
        },
      },
    ],
    'current-context': contextName,
  });
}

interface ParsedKubeconfig {
  clusters?: { cluster?: { server?: string; 'certificate-authority-data'?: string } }[];
}

/** A kubeconfig for `token` against the same cluster (server + CA) as an existing kubeconfig. */
export function buildTokenKubeconfigFrom(
  existingKubeconfig: string,
  userName: string,
  token: string,
  namespace?: string,
): string {
  const cluster = (parse(existingKubeconfig) as ParsedKubeconfig).clusters?.[0]?.cluster;
  if (!cluster?.server || !cluster['certificate-authority-data']) {
    throw new Error('kubeconfig has no cluster with server and certificate-authority-data');
  }
  return buildKubeconfig({
    server: cluster.server,
    certificateAuthorityPem: Buffer.from(cluster['certificate-authority-data'], 'base64').toString('utf8'),
    userName,
    credentials: { token },
    ...(namespace ? { namespace } : {}),
  });
}

/** The same kubeconfig (credentials, CA) with its first cluster reached at another server URL. */
export function withServer(existingKubeconfig: string, server: string): string {
  const config = parse(existingKubeconfig) as { clusters?: { cluster?: { server?: string } }[] };
  const cluster = config.clusters?.[0]?.cluster;
  if (!cluster) throw new Error('kubeconfig has no cluster');
  cluster.server = server;
  return stringify(config);
}
