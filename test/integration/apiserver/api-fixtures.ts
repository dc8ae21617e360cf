// Fixtures of the API server suites against the real control plane: ServiceAccounts with real
// tokens and RBAC (the API server's own, and one tenant user per namespace), and the API server
// itself served on a loopback port with its ServiceAccount's credentials.
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  createApiApp,
  createKubeAccessReviewer,
  startApiServer,
  type ApiServerHandle,
} from '../../../src/apiserver/index.ts';
import { KubeClient, ignoreNotFound } from '../../../src/kube/index.ts';
import { integrationKubeconfigPath } from '../../harness/integration.ts';
import { buildTokenKubeconfigFrom } from '../../harness/kubeconfig.ts';

export async function createServiceAccountToken(
  kube: KubeClient,
  namespace: string,
  name: string,
): Promise<string> {
  await kube.core.createNamespacedServiceAccount({ namespace, body: { metadata: { name } } });
  const token = (
    await kube.core.createNamespacedServiceAccountToken({
      name,
      namespace,
      body: { spec: { audiences: [] } },
    })
  ).status?.token;
  if (!token) throw new Error(`no token issued for ${namespace}/${name}`);
  return token;
}

/**
 * The rights the API server's ServiceAccount needs: the reviews, the objects it serves, and what
 * recording a chat reply's receipt writes (the run's status, an Event).
 */
export const apiServerRules = [
  { apiGroups: ['authentication.k8s.io'], resources: ['tokenreviews'], verbs: ['create'] },
  { apiGroups: ['authorization.k8s.io'], resources: ['subjectaccessreviews'], verbs: ['create'] },
  {
    apiGroups: ['k8sclaw.io'],
    resources: ['agentruns', 'clawinstances', 'clawschedules', 'clawpolicies', 'skillpacks'],
    verbs: ['get', 'list', 'create', 'delete', 'patch'],
  },
  { apiGroups: ['k8sclaw.io'], resources: ['agentruns/status'], verbs: ['patch'] },
  { apiGroups: [''], resources: ['configmaps'], verbs: ['get'] },
  { apiGroups: [''], resources: ['events'], verbs: ['create'] },
  { apiGroups: ['batch'], resources: ['jobs'], verbs: ['get', 'delete'] },
];

/** What a tenant user is given in its own namespace: the K8sClaw resources, and ConfigMaps to read. */
export const tenantRules = [
  {
    apiGroups: ['k8sclaw.io'],
    resources: ['agentruns', 'clawinstances', 'clawschedules', 'clawpolicies', 'skillpacks'],
    verbs: ['get', 'list', 'create', 'delete', 'patch'],
  },
  { apiGroups: [''], resources: ['configmaps'], verbs: ['get'] },
];

export async function grantInNamespace(
  kube: KubeClient,
  namespace: string,
  serviceAccount: { namespace: string; name: string },
  rules: typeof tenantRules,
): Promise<void> {
  const name = `${serviceAccount.namespace}-${serviceAccount.name}`;
  await kube.rbac.createNamespacedRole({ namespace, body: { metadata: { name }, rules } });
  await kube.rbac.createNamespacedRoleBinding({
    namespace,
    body: {
      metadata: { name },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
      subjects: [{ kind: 'ServiceAccount', ...serviceAccount }],
    },
  });
}

export interface ApiServerIdentity {
  /** A kubeconfig with the API server's ServiceAccount token. */
  kubeconfigFile: string;
  username: string;
  remove(): Promise<void>;
}

/** The API server's ServiceAccount in `namespace`, with cluster-wide rights as an install would give. */
export async function createApiServerIdentity(
  admin: KubeClient,
  namespace: string,
): Promise<ApiServerIdentity> {
  const name = 'k8sclaw-apiserver';
  const token = await createServiceAccountToken(admin, namespace, name);
  const roleName = `${namespace}-apiserver`;
  await admin.rbac.createClusterRole({ body: { metadata: { name: roleName }, rules: apiServerRules } });
  await admin.rbac.createClusterRoleBinding({
    body: {
      metadata: { name: roleName },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: roleName },
      subjects: [{ kind: 'ServiceAccount', namespace, name }],
    },
  });
  const kubeconfigFile = path.join(os.tmpdir(), `${namespace}-apiserver.kubeconfig`);
  await writeFile(
    kubeconfigFile,
    buildTokenKubeconfigFrom(readFileSync(integrationKubeconfigPath(), 'utf8'), name, token),
    { mode: 0o600 },
  );
  return {
    kubeconfigFile,
    username: `system:serviceaccount:${namespace}:${name}`,
    remove: async () => {
      await ignoreNotFound(admin.rbac.deleteClusterRoleBinding({ name: roleName }));
      await ignoreNotFound(admin.rbac.deleteClusterRole({ name: roleName }));
    },
  };
}

export interface RunningApiServer {
  url: string;
  handle: ApiServerHandle;
  stop(): Promise<void>;
}

/** The API server app with its own ServiceAccount's credentials, served on a loopback port. */
export async function startTestApiServer(
  admin: KubeClient,
  namespace: string,
  options: { maxBodyBytes?: number; reviewCacheTtlMs?: number } = {},
): Promise<RunningApiServer> {
  const identity = await createApiServerIdentity(admin, namespace);
  const kube = KubeClient.fromKubeconfigFile(identity.kubeconfigFile);
  const { reviewCacheTtlMs, ...appOptions } = options;
  const reviewer = createKubeAccessReviewer(
    kube,
    reviewCacheTtlMs !== undefined ? { cacheTtlMs: reviewCacheTtlMs } : {},
  );
  const app = createApiApp({ kube, reviewer, ...appOptions });
  const handle = await startApiServer(app, { port: 0, host: '127.0.0.1' });
  return {
    url: `http://127.0.0.1:${handle.port}`,
    handle,
    stop: async () => {
      await handle.close(1_000);
      await identity.remove();
    },
  };
}

export interface ApiAnswer {
  status: number;
  headers: Headers;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- JSON answers checked field by field
}

export async function callApi(
  url: string,
  method: string,
  pathName: string,
  options: { token?: string; body?: unknown; rawBody?: string } = {},
): Promise<ApiAnswer> {
  const body = options.rawBody ?? (options.body !== undefined ? JSON.stringify(options.body) : undefined);
  const response = await fetch(`${url}${pathName}`, {
    method,
    headers: {
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(body !== undefined ? { body } : {}),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
}
