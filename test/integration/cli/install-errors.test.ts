// `k8sclaw install` against the real apiserver: a dry run validates everything on the server and
// changes nothing; no cluster, and no permission, each end in one clear sentence and exit code 1.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCli } from '../../harness/cli.ts';
import { eventually } from '../../harness/eventually.ts';
import { findFreePort } from '../../harness/free-port.ts';
import { integrationKubeClient, integrationKubeconfigPath } from '../../harness/integration.ts';
import { buildTokenKubeconfigFrom } from '../../harness/kubeconfig.ts';
import { createTestNamespace, deleteTestNamespace } from '../../harness/test-namespace.ts';

describe('k8sclaw install: dry run and clear failures', () => {
  const kube = integrationKubeClient();
  const adminKubeconfig = integrationKubeconfigPath();
  let namespace = '';
  before(async () => {
    namespace = await createTestNamespace(kube, 'install-errors');
  });
  after(async () => {
    await deleteTestNamespace(kube, namespace);
  });

  it('validates on the server in a dry run and creates nothing', async () => {
    const result = await runCli(['install', '--profile', 'local', '--dry-run'], {
      KUBECONFIG: adminKubeconfig,
    });
    assert.equal(result.code, 0, result.stderr);
    assert.match(
      result.stdout,
      /✓ customresourcedefinition\/agentruns\.k8sclaw\.io \(validated, not applied\)/,
    );
    assert.match(
      result.stdout,
      /- statefulset\/k8sclaw-system\/k8sclaw-nats \(not validated: namespace k8sclaw-system does not exist yet\)/,
    );
    assert.match(result.stdout, /nothing was changed/);
    const namespaces = await kube.core.listNamespace();
    assert.equal(
      namespaces.items.some((n) => n.metadata?.name === 'k8sclaw-system'),
      false,
    );
  });

  it('deploys no PostgreSQL with an external database URL, and never prints the URL', async () => {
    const url = 'postgresql://app:hunter2@db.example:5432/claw';
    const result = await runCli(['install', '--profile', 'local', '--dry-run', '--database-url', url], {
      KUBECONFIG: adminKubeconfig,
    });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /session store: external PostgreSQL \(URL from --database-url/);
    assert.match(result.stdout, /secret\/k8sclaw-system\/k8sclaw-apiserver-database/);
    assert.match(result.stdout, /deployment\/k8sclaw-system\/k8sclaw-apiserver/);
    assert.doesNotMatch(result.stdout, /k8sclaw-postgres/);
    assert.doesNotMatch(result.stdout + result.stderr, /hunter2/);
  });

  it('says that the PostgreSQL of an earlier install stays when an external database is chosen', async () => {
    await kube.core.createNamespace({ body: { metadata: { name: 'k8sclaw-system' } } });
    try {
      const labels = { app: 'db' };
      await kube.apps.createNamespacedStatefulSet({
        namespace: 'k8sclaw-system',
        body: {
          metadata: { name: 'k8sclaw-postgres' },
          spec: {
            serviceName: 'k8sclaw-postgres',
            replicas: 0,
            selector: { matchLabels: labels },
            template: { metadata: { labels }, spec: { containers: [{ name: 'db', image: 'db' }] } },
          },
        },
      });
      const result = await runCli(
        ['install', '--profile', 'local', '--dry-run', '--database-url', 'postgresql://a@b/c'],
        { KUBECONFIG: adminKubeconfig },
      );
      assert.equal(result.code, 0, result.stderr);
      assert.match(
        result.stdout,
        /! the PostgreSQL of an earlier install stays, with its data: .*kubectl -n k8sclaw-system delete statefulset\/k8sclaw-postgres .*pvc\/data-k8sclaw-postgres-0/,
      );
    } finally {
      await kube.core.deleteNamespace({ name: 'k8sclaw-system' });
      await eventually('namespace k8sclaw-system to be gone', async () =>
        (await kube.core.listNamespace()).items.some((n) => n.metadata?.name === 'k8sclaw-system')
          ? undefined
          : true,
      );
    }
  });

  it('refuses a database Secret that is not there, and both database flags together', async () => {
    const missing = await runCli(['install', '--database-secret', 'no-such-db'], {
      KUBECONFIG: adminKubeconfig,
    });
    assert.equal(missing.code, 1);
    assert.match(
      missing.stderr,
      /^Error: Secret k8sclaw-system\/no-such-db does not exist; create it first: kubectl create namespace k8sclaw-system; kubectl create secret generic no-such-db/,
    );
    const both = await runCli(['install', '--database-url', 'postgresql://a/b', '--database-secret', 'db'], {
      KUBECONFIG: adminKubeconfig,
    });
    assert.equal(both.code, 2);
    assert.match(both.stderr, /--database-url and --database-secret exclude each other/);
    const namespaces = await kube.core.listNamespace();
    assert.equal(
      namespaces.items.some((n) => n.metadata?.name === 'k8sclaw-system'),
      false,
    );
  });

  it('says so when there is no cluster to talk to', async () => {
    const port = await findFreePort();
    const file = path.join(os.tmpdir(), `${namespace}-unreachable.kubeconfig`);
    await writeFile(
      file,
      buildTokenKubeconfigFrom(
        readFileSync(adminKubeconfig, 'utf8').replace(
          /https:\/\/127\.0\.0\.1:\d+/,
          `https://127.0.0.1:${port}`,
        ),
        'nobody',
        'x',
      ),
    );
    const result = await runCli(['install'], { KUBECONFIG: file });
    assert.equal(result.code, 1);
    assert.match(
      result.stderr,
      new RegExp(
        `^Error: cannot reach the Kubernetes API at https://127\\.0\\.0\\.1:${port}: .*ECONNREFUSED`,
      ),
    );
  });

  it('says so when there is no kubeconfig at all', async () => {
    const result = await runCli(['uninstall'], {
      KUBECONFIG: '',
      HOME: path.join(os.tmpdir(), `${namespace}-no-home`),
    });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /^Error: no Kubernetes configuration found/);
  });

  it('says so when the user lacks the permission, before changing anything', async () => {
    await kube.core.createNamespacedServiceAccount({ namespace, body: { metadata: { name: 'viewer' } } });
    const token = (
      await kube.core.createNamespacedServiceAccountToken({
        name: 'viewer',
        namespace,
        body: { spec: { audiences: [] } },
      })
    ).status?.token;
    assert.ok(token);
    const file = path.join(os.tmpdir(), `${namespace}-viewer.kubeconfig`);
    await writeFile(file, buildTokenKubeconfigFrom(readFileSync(adminKubeconfig, 'utf8'), 'viewer', token));
    for (const command of ['install', 'uninstall']) {
      const result = await runCli([command], { KUBECONFIG: file });
      assert.equal(result.code, 1, command);
      assert.match(
        result.stderr,
        /^Error: permission denied: the current user cannot (create|delete) customresourcedefinitions\.apiextensions\.k8s\.io; .* needs cluster-admin rights/,
      );
    }
  });
});
