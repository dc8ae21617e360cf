// `k8sclaw install --database-secret` on the local cluster: the API server uses the external
// PostgreSQL whose URL is in a Secret the user made (here a PostgreSQL run in a test namespace from
// the same image), applies its migrations there and becomes ready, and install deploys no
// PostgreSQL of its own.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { runCli } from '../harness/cli.ts';
import { e2eKubeClient, localImage } from '../harness/e2e.ts';
import { eventually } from '../harness/eventually.ts';
import { isNotFound } from '../../src/kube/index.ts';
import { createTestNamespace, deleteTestNamespace } from '../harness/test-namespace.ts';

const system = 'k8sclaw-system';

describe('install with an external database from a Secret', () => {
  const kube = e2eKubeClient();
  let namespace = '';
  let installOutput = '';
  let installCode = -1;
  const password = randomBytes(24).toString('hex');

  before(async () => {
    namespace = await createTestNamespace(kube, 'external-db', { waitForDefaultServiceAccount: true });
    await kube.core.createNamespacedSecret({
      namespace,
      body: { metadata: { name: 'db-password' }, stringData: { password } },
    });
    const labels = { app: 'external-db' };
    await kube.apps.createNamespacedDeployment({
      namespace,
      body: {
        metadata: { name: 'external-db' },
        spec: {
          selector: { matchLabels: labels },
          template: {
            metadata: { labels },
            spec: {
              securityContext: { runAsUser: 65532, runAsGroup: 65532, fsGroup: 65532 },
              containers: [
                {
                  name: 'postgres',
                  image: localImage('postgres'),
                  imagePullPolicy: 'Never',
                  env: [{ name: 'POSTGRES_PASSWORD_FILE', value: '/secret/password' }],
                  ports: [{ name: 'postgres', containerPort: 5432 }],
                  readinessProbe: { tcpSocket: { port: 'postgres' }, periodSeconds: 1 },
                  volumeMounts: [
                    { name: 'data', mountPath: '/var/lib/postgresql/data' },
                    { name: 'tmp', mountPath: '/tmp' },
                    { name: 'password', mountPath: '/secret', readOnly: true },
                  ],
                },
              ],
              volumes: [
                { name: 'data', emptyDir: {} },
                { name: 'tmp', emptyDir: {} },
                { name: 'password', secret: { secretName: 'db-password' } },
              ],
            },
          },
        },
      },
    });
    await kube.core.createNamespacedService({
      namespace,
      body: {
        metadata: { name: 'external-db' },
        spec: { selector: labels, ports: [{ port: 5432, targetPort: 'postgres' }] },
      },
    });
    await eventually(
      'the external database to be ready',
      async () => {
        const deployment = await kube.apps.readNamespacedDeployment({ name: 'external-db', namespace });
        return deployment.status?.readyReplicas === 1 ? true : undefined;
      },
      120_000,
      500,
    );
    // what a user does before install: the namespace and the Secret with the URL
    await kube.core.createNamespace({ body: { metadata: { name: system } } });
    await kube.core.createNamespacedSecret({
      namespace: system,
      body: {
        metadata: { name: 'session-db' },
        stringData: {
          DATABASE_URL: `postgresql://k8sclaw:${password}@external-db.${namespace}.svc:5432/k8sclaw`,
        },
      },
    });
    const installed = await runCli(['install', '--profile', 'local', '--database-secret', 'session-db']);
    installCode = installed.code;
    installOutput = installed.stdout + installed.stderr;
  });
  after(async () => {
    await runCli(['uninstall']);
    await deleteTestNamespace(kube, namespace);
  });

  it('installs without a PostgreSQL of its own, the API server ready on the external one', async () => {
    assert.equal(installCode, 0, installOutput);
    assert.match(
      installOutput,
      /session store: external PostgreSQL \(URL from Secret session-db, key DATABASE_URL\)/,
    );
    assert.equal(installOutput.includes(password), false);
    const statefulSet = await kube.apps
      .readNamespacedStatefulSet({ name: 'k8sclaw-postgres', namespace: system })
      .catch((error: unknown) => (isNotFound(error) ? undefined : Promise.reject(error)));
    assert.equal(statefulSet, undefined);
    const deployment = await kube.apps.readNamespacedDeployment({
      name: 'k8sclaw-apiserver',
      namespace: system,
    });
    // ready only once the migrations are applied and the database answers
    assert.equal(deployment.status?.readyReplicas, 2);
    const variable = deployment.spec?.template.spec?.containers[0]?.env?.find(
      (v) => v.name === 'DATABASE_URL',
    );
    assert.equal(variable?.valueFrom?.secretKeyRef?.name, 'session-db');
    assert.equal(variable.valueFrom.secretKeyRef.key, 'DATABASE_URL');
    const pods = await kube.core.listNamespacedPod({
      namespace: system,
      labelSelector: 'app.kubernetes.io/name=k8sclaw-apiserver',
    });
    const logs = await kube.core.readNamespacedPodLog({
      name: pods.items[0]?.metadata?.name ?? '',
      namespace: system,
    });
    assert.match(logs, /"msg":"session store migrated"/);
  });
});
