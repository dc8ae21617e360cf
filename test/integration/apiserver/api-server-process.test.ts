// The API server binary: configured from the environment, it serves the API with its own
// ServiceAccount, reports health and request metrics, never writes a caller's token to its log
// (even at debug level), and stops on SIGTERM with exit code 0.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { startApiServerProcess, type ApiServerProcess } from '../../harness/api-server-process.ts';
import { installCrds } from '../../harness/crds.ts';
import { integrationKubeClient } from '../../harness/integration.ts';
import { createTestNamespace, deleteTestNamespace } from '../../harness/test-namespace.ts';
import {
  callApi,
  createApiServerIdentity,
  createServiceAccountToken,
  grantInNamespace,
  tenantRules,
  type ApiServerIdentity,
} from './api-fixtures.ts';

describe('API server process', () => {
  const kube = integrationKubeClient();
  let systemNs = '';
  let tenantNs = '';
  let token = '';
  let identity: ApiServerIdentity | undefined;
  let server: ApiServerProcess | undefined;

  before(async () => {
    await installCrds(kube);
    systemNs = await createTestNamespace(kube, 'apiserver-process');
    tenantNs = await createTestNamespace(kube, 'apiserver-process-tenant');
    token = await createServiceAccountToken(kube, tenantNs, 'carol');
    await grantInNamespace(kube, tenantNs, { namespace: tenantNs, name: 'carol' }, tenantRules);
    identity = await createApiServerIdentity(kube, systemNs);
    server = await startApiServerProcess({
      kubeconfig: identity.kubeconfigFile,
      env: { LOG_LEVEL: 'debug' },
    });
  });
  after(async () => {
    await server?.stop();
    await identity?.remove();
    for (const namespace of [systemNs, tenantNs]) if (namespace) await deleteTestNamespace(kube, namespace);
  });

  it('serves the API, health and request metrics, and logs no token', async () => {
    assert.ok(server);
    const list = await callApi(server.url, 'GET', `/api/v1/namespaces/${tenantNs}/runs`, { token });
    assert.equal(list.status, 200, JSON.stringify(list.body));
    const wrongToken = `${token.slice(0, -6)}abcdef`;
    const refused = await callApi(server.url, 'GET', `/api/v1/namespaces/${tenantNs}/runs`, {
      token: wrongToken,
    });
    assert.equal(refused.status, 401);
    assert.equal((await fetch(`${server.healthUrl}/healthz`)).status, 200);
    const metrics = await (await fetch(`${server.healthUrl}/metrics`)).text();
    assert.match(
      metrics,
      /k8sclaw_api_requests_total\{method="GET",route="\/api\/v1\/namespaces\/:namespace\/runs",status="200"\} 1/,
    );
    assert.match(metrics, /k8sclaw_api_requests_total\{[^}]*status="401"\} 1/);
    const log = await readFile(server.logFile, 'utf8');
    assert.match(log, /"msg":"request served"/);
    assert.match(log, /"user":"system:serviceaccount:[^"]+:carol"/);
    assert.equal(log.includes(token), false);
    assert.equal(log.includes(wrongToken), false);
    // nor a recognisable part of one: the signature is the secret part of a JWT
    assert.equal(log.includes(token.split('.')[2] ?? token), false);
  });

  it('stops on SIGTERM with exit code 0', async () => {
    assert.ok(server);
    await server.stop();
    assert.deepEqual(server.process.exitStatus, { code: 0, signal: null });
    assert.match(await readFile(server.logFile, 'utf8'), /"msg":"api server stopped"/);
  });
});
