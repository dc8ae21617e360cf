// The API server as `k8sclaw install --profile local` deploys it on the local cluster, with the
// PostgreSQL it deploys beside it: ready through its Service, a ServiceAccount token lists runs of a
// namespace it may read (and nothing without a token or elsewhere), a run created through the API
// against the scripted model succeeds and its events come back from the in-cluster PostgreSQL, the
// generated database password appears nowhere in output or logs, and uninstall removes it all,
// the database volume included.
//
// The HTTP API is called at the Service's cluster IP: the local cluster's node is this machine, so
// kube-proxy routes it. (The kube-apiserver's service proxy would drop the caller's bearer token:
// the kube-apiserver removes the Authorization header once it has authenticated a request.)
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ModelScript } from '../fakes/model-server/index.ts';
import { instanceManifest } from '../fixtures/k8sclaw-objects.ts';
import { runCli } from '../harness/cli.ts';
import { e2eKubeClient } from '../harness/e2e.ts';
import { eventually } from '../harness/eventually.ts';
import { kubectl } from '../harness/kubectl.ts';
import { listLabelledObjects } from '../harness/labelled-objects.ts';
import { deployScriptedModel } from '../harness/scripted-model-in-cluster.ts';
import { createTestNamespace, deleteTestNamespace } from '../harness/test-namespace.ts';

const kubeconfig = process.env.KUBECONFIG ?? '';
const system = 'k8sclaw-system';
const script: ModelScript = { conversations: [{ turns: [{ text: 'hello through the API' }] }] };

interface RunBody {
  metadata: { name: string; uid: string };
  status?: { phase?: string; result?: string };
}
interface Page<T> {
  items: T[];
}
interface StoredEvent {
  seq: number;
  body: { type: string };
}

describe('the API server and PostgreSQL installed on the local cluster', () => {
  const kube = e2eKubeClient();
  let namespace = '';
  let installOutput = '';
  let apiUrl = '';
  let token = '';
  const call = async (method: string, path: string, options: { token?: string; body?: unknown } = {}) => {
    const response = await fetch(`${apiUrl}${path}`, {
      method,
      headers: {
        ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
        ...(options.body ? { 'content-type': 'application/json' } : {}),
      },
      ...(options.body ? { body: JSON.stringify(options.body) } : {}),
      signal: AbortSignal.timeout(10_000),
    });
    return { status: response.status, body: (await response.json()) as unknown };
  };

  before(async () => {
    const installed = await runCli(['install', '--profile', 'local']);
    assert.equal(installed.code, 0, installed.stderr);
    installOutput = installed.stdout + installed.stderr;
    namespace = await createTestNamespace(kube, 'apiserver', { waitForDefaultServiceAccount: true });
    const model = await deployScriptedModel(kubeconfig, namespace, script);
    await kube.customObjects.createNamespacedCustomObject({
      group: 'k8sclaw.io',
      version: 'v1alpha1',
      namespace,
      plural: 'clawinstances',
      body: instanceManifest('alice', namespace, {
        provider: 'openai',
        model: 'gpt-4o-mini',
        baseURL: model.baseURL,
        authSecretRef: model.keySecret,
      }),
    });
    // a client of the API: may read and create runs in this namespace, nothing else
    await kube.core.createNamespacedServiceAccount({ namespace, body: { metadata: { name: 'api-client' } } });
    await kube.rbac.createNamespacedRole({
      namespace,
      body: {
        metadata: { name: 'run-author' },
        rules: [{ apiGroups: ['k8sclaw.io'], resources: ['agentruns'], verbs: ['get', 'list', 'create'] }],
      },
    });
    await kube.rbac.createNamespacedRoleBinding({
      namespace,
      body: {
        metadata: { name: 'api-client-run-author' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'run-author' },
        subjects: [{ kind: 'ServiceAccount', name: 'api-client', namespace }],
      },
    });
    token = (await kubectl(kubeconfig, 'create', 'token', 'api-client', '-n', namespace)).trim();
    const service = await kube.core.readNamespacedService({ name: 'k8sclaw-apiserver', namespace: system });
    apiUrl = `http://${service.spec?.clusterIP}:8080`;
  });
  after(async () => {
    await deleteTestNamespace(kube, namespace);
    await runCli(['uninstall']);
  });

  it('runs two ready replicas that answer /readyz through their Service', async () => {
    const deployment = await kube.apps.readNamespacedDeployment({
      name: 'k8sclaw-apiserver',
      namespace: system,
    });
    assert.equal(deployment.status?.readyReplicas, 2);
    const ready = await kubectl(
      kubeconfig,
      'get',
      '--raw',
      `/api/v1/namespaces/${system}/services/k8sclaw-apiserver:health/proxy/readyz`,
    );
    assert.equal(ready.trim(), 'ok');
    const postgres = await kube.apps.readNamespacedStatefulSet({
      name: 'k8sclaw-postgres',
      namespace: system,
    });
    assert.equal(postgres.status?.readyReplicas, 1);
    const budget = JSON.parse(
      await kubectl(
        kubeconfig,
        'get',
        'poddisruptionbudget',
        'k8sclaw-apiserver',
        '-n',
        system,
        '-o',
        'json',
      ),
    ) as { status?: { currentHealthy?: number; disruptionsAllowed?: number } };
    assert.equal(budget.status?.currentHealthy, 2);
    assert.equal(budget.status?.disruptionsAllowed, 1);
  });

  it('lists runs with a ServiceAccount token, and refuses without one or in another namespace', async () => {
    const listed = await call('GET', `/api/v1/namespaces/${namespace}/runs`, { token });
    assert.equal(listed.status, 200, JSON.stringify(listed.body));
    assert.deepEqual((listed.body as Page<RunBody>).items, []);
    assert.equal((await call('GET', `/api/v1/namespaces/${namespace}/runs`)).status, 401);
    assert.equal((await call('GET', `/api/v1/namespaces/${system}/runs`, { token })).status, 403);
  });

  it('creates a run through the API that succeeds against the scripted model, its events stored in PostgreSQL', async () => {
    const created = await call('POST', `/api/v1/namespaces/${namespace}/runs`, {
      token,
      body: { metadata: { name: 'via-api' }, spec: { instanceRef: 'alice', task: 'say hello' } },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const uid = (created.body as RunBody).metadata.uid;
    const finished = await eventually(
      'the run to finish',
      async () => {
        const run = (await call('GET', `/api/v1/namespaces/${namespace}/runs/via-api`, { token }))
          .body as RunBody;
        return run.status?.phase === 'Succeeded' || run.status?.phase === 'Failed' ? run : undefined;
      },
      180_000,
      1_000,
    );
    assert.equal(finished.status?.phase, 'Succeeded');
    assert.equal(finished.status?.result, 'hello through the API');
    // the events route reads the session store only: what it returns is in the in-cluster PostgreSQL
    const stored = await eventually('the run events to be stored', async () => {
      const page = await call('GET', `/api/v1/namespaces/${namespace}/runs/via-api/events`, { token });
      const body = page.body as Page<StoredEvent> & { runUid: string };
      return body.items?.some((e) => e.body.type === 'completed') ? body : undefined;
    });
    assert.equal(stored.runUid, uid);
    assert.equal(stored.items[0]?.body.type, 'started');
    assert.deepEqual(
      stored.items.map((e) => e.seq),
      stored.items.map((_, i) => i + 1),
    );
    const databaseSecret = await kube.core.readNamespacedSecret({
      name: 'k8sclaw-apiserver-database',
      namespace: system,
    });
    const databaseUrl = new URL(
      Buffer.from(databaseSecret.data?.DATABASE_URL ?? '', 'base64').toString('utf8'),
    );
    assert.equal(databaseUrl.host, `k8sclaw-postgres.${system}.svc:5432`);
  });

  it('keeps the generated database password out of the install output and the logs', async () => {
    const secret = await kube.core.readNamespacedSecret({ name: 'k8sclaw-postgres', namespace: system });
    const password = Buffer.from(secret.data?.password ?? '', 'base64').toString('utf8');
    assert.match(password, /^[0-9a-f]{64}$/);
    assert.equal(installOutput.includes(password), false);
    for (const workload of ['statefulset/k8sclaw-postgres', 'deployment/k8sclaw-apiserver']) {
      const logs = await kubectl(kubeconfig, 'logs', '-n', system, workload, '--all-containers');
      assert.ok(logs.length > 0, workload);
      assert.equal(logs.includes(password), false, workload);
    }
  });

  it('is removed by uninstall, the database volume included', async () => {
    const claim = await kube.core.readNamespacedPersistentVolumeClaim({
      name: 'data-k8sclaw-postgres-0',
      namespace: system,
    });
    const volume = claim.spec?.volumeName ?? '';
    assert.ok(volume);
    const removed = await runCli(['uninstall']);
    assert.equal(removed.code, 0, removed.stderr);
    assert.deepEqual(await listLabelledObjects(kubeconfig), []);
    // the local cluster's provisioner deletes a volume once its claim is gone
    await eventually(
      `persistent volume ${volume} to be deleted`,
      async () => {
        const volumes = await kube.core.listPersistentVolume();
        return volumes.items.some((v) => v.metadata?.name === volume) ? undefined : true;
      },
      60_000,
      500,
    );
  });
});
