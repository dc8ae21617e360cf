// The API server fails closed: when its own ServiceAccount may not ask the cluster who a caller is
// (TokenReview) or what they may do (SubjectAccessReview), a caller with a perfectly valid token
// and full rights is answered 503, never served.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import {
  createApiApp,
  createKubeAccessReviewer,
  startApiServer,
  type ApiServerHandle,
} from '../../../src/apiserver/index.ts';
import { KubeClient, ignoreNotFound, isNotFound } from '../../../src/kube/index.ts';
import { createLogger } from '../../../src/observability/index.ts';
import { installCrds } from '../../harness/crds.ts';
import { integrationKubeClient, integrationKubeconfigPath } from '../../harness/integration.ts';
import { buildTokenKubeconfigFrom } from '../../harness/kubeconfig.ts';
import { createTestNamespace, deleteTestNamespace } from '../../harness/test-namespace.ts';
import {
  apiServerRules,
  callApi,
  createServiceAccountToken,
  grantInNamespace,
  tenantRules,
} from './api-fixtures.ts';

describe('API server without the right to review', () => {
  const kube = integrationKubeClient();
  let namespace = '';
  let tenantToken = '';
  const servers: ApiServerHandle[] = [];
  const roles: string[] = [];
  const ownTokens: string[] = [];
  let logText = '';
  const logStream = new PassThrough();
  logStream.on('data', (chunk: Buffer) => (logText += chunk.toString('utf8')));
  const logger = createLogger({ component: 'apiserver', level: 'debug', destination: logStream });

  /** Serves the app as a ServiceAccount holding `rules` cluster-wide. */
  async function serveAs(name: string, rules: typeof apiServerRules): Promise<string> {
    const token = await createServiceAccountToken(kube, namespace, name);
    ownTokens.push(token);
    const roleName = `${namespace}-${name}`;
    roles.push(roleName);
    await kube.rbac.createClusterRole({ body: { metadata: { name: roleName }, rules } });
    await kube.rbac.createClusterRoleBinding({
      body: {
        metadata: { name: roleName },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: roleName },
        subjects: [{ kind: 'ServiceAccount', namespace, name }],
      },
    });
    const file = path.join(os.tmpdir(), `${namespace}-${name}.kubeconfig`);
    await writeFile(
      file,
      buildTokenKubeconfigFrom(readFileSync(integrationKubeconfigPath(), 'utf8'), name, token),
      {
        mode: 0o600,
      },
    );
    const client = KubeClient.fromKubeconfigFile(file);
    const handle = await startApiServer(
      createApiApp({ kube: client, reviewer: createKubeAccessReviewer(client), logger }),
      {
        port: 0,
        host: '127.0.0.1',
      },
    );
    servers.push(handle);
    return `http://127.0.0.1:${handle.port}`;
  }

  before(async () => {
    await installCrds(kube);
    namespace = await createTestNamespace(kube, 'apiserver-fail-closed');
    tenantToken = await createServiceAccountToken(kube, namespace, 'dave');
    await grantInNamespace(kube, namespace, { namespace, name: 'dave' }, tenantRules);
  });
  after(async () => {
    for (const server of servers) await server.close(1_000);
    for (const name of roles) {
      await ignoreNotFound(kube.rbac.deleteClusterRoleBinding({ name }));
      await ignoreNotFound(kube.rbac.deleteClusterRole({ name }));
    }
    if (namespace) await deleteTestNamespace(kube, namespace);
  });

  const withoutReview = (resource: string) =>
    apiServerRules.filter((rule) => !rule.resources.includes(resource));

  it('answers 503 when it may not review tokens', async () => {
    const url = await serveAs('no-tokenreviews', withoutReview('tokenreviews'));
    const answer = await callApi(url, 'GET', `/api/v1/namespaces/${namespace}/runs`, { token: tenantToken });
    assert.equal(answer.status, 503);
    assert.equal(answer.body.code, 'Unavailable');
    assert.match(answer.body.message, /cannot verify the token/);
  });

  it('answers 503 when it may not review access, and creates nothing', async () => {
    const url = await serveAs('no-subjectaccessreviews', withoutReview('subjectaccessreviews'));
    const list = await callApi(url, 'GET', `/api/v1/namespaces/${namespace}/runs`, { token: tenantToken });
    assert.equal(list.status, 503);
    assert.match(list.body.message, /cannot check permissions/);
    const create = await callApi(url, 'POST', `/api/v1/namespaces/${namespace}/runs`, {
      token: tenantToken,
      body: { metadata: { name: 'never' }, spec: { instanceRef: 'alice', task: 't' } },
    });
    assert.equal(create.status, 503);
    await assert.rejects(
      kube.customObjects.getNamespacedCustomObject({
        group: 'k8sclaw.io',
        version: 'v1alpha1',
        plural: 'agentruns',
        namespace,
        name: 'never',
      }),
      isNotFound,
    );
  });

  it('logs why, with no token in the log', () => {
    assert.match(logText, /"msg":"request could not be served"/);
    assert.match(logText, /cannot verify the token/);
    assert.equal(logText.includes(tenantToken), false);
    for (const token of ownTokens) assert.equal(logText.includes(token), false);
    assert.equal(logText.includes(tenantToken.split('.')[2] ?? tenantToken), false);
  });
});
