// The API server against the real control plane, with real ServiceAccount tokens and RBAC: tenant
// A works in its namespace and cannot list, read or create anything in tenant B's (403, never a
// filtered list); missing and bad tokens are 401; bad bodies are 400 naming the field; a created
// run exists in Kubernetes; lists page with the apiserver's continue token; the OpenAPI document
// lists every route.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  agentRunKind,
  apiVersion,
  clawInstanceKind,
  group,
  resourceOf,
  version,
} from '../../../src/api/index.ts';
import { apiRoutes } from '../../../src/apiserver/index.ts';
import { isNotFound } from '../../../src/kube/index.ts';
import { agentJobName } from '../../../src/orchestrator/index.ts';
import { installCrds } from '../../harness/crds.ts';
import { kubectl } from '../../harness/kubectl.ts';
import { eventually, whenGone } from '../../harness/eventually.ts';
import { integrationKubeClient, integrationKubeconfigPath } from '../../harness/integration.ts';
import { createTestNamespace, deleteTestNamespace } from '../../harness/test-namespace.ts';
import {
  callApi,
  createServiceAccountToken,
  grantInNamespace,
  startTestApiServer,
  tenantRules,
  type RunningApiServer,
} from './api-fixtures.ts';

const runs = { group, version, plural: agentRunKind.plural };
const runSpec = { instanceRef: 'alice', task: 'say hello' };

describe('API server: authentication, authorisation and runs', () => {
  const kube = integrationKubeClient();
  let systemNs = '';
  let nsA = '';
  let nsB = '';
  let tokenA = '';
  let tokenB = '';
  let server: RunningApiServer;
  const call = (method: string, path: string, options: Parameters<typeof callApi>[3] = {}) =>
    callApi(server.url, method, path, options);
  const adminRun = async (namespace: string, name: string, spec: object = runSpec) =>
    await kube.customObjects.createNamespacedCustomObject({
      ...runs,
      namespace,
      body: { apiVersion, kind: 'AgentRun', metadata: { name }, spec },
    });
  const readRun = async (namespace: string, name: string) =>
    (await kube.customObjects.getNamespacedCustomObject({ ...runs, namespace, name })) as {
      metadata: { uid: string; annotations?: Record<string, string> };
      spec: object;
    };

  before(async () => {
    await installCrds(kube);
    systemNs = await createTestNamespace(kube, 'apiserver-system');
    nsA = await createTestNamespace(kube, 'apiserver-tenant-a');
    nsB = await createTestNamespace(kube, 'apiserver-tenant-b');
    tokenA = await createServiceAccountToken(kube, nsA, 'alice');
    tokenB = await createServiceAccountToken(kube, nsB, 'bob');
    await grantInNamespace(kube, nsA, { namespace: nsA, name: 'alice' }, tenantRules);
    await grantInNamespace(kube, nsB, { namespace: nsB, name: 'bob' }, tenantRules);
    // answers are reused for a minute, so the test of the cache does not depend on its speed
    server = await startTestApiServer(kube, systemNs, { maxBodyBytes: 64 * 1024, reviewCacheTtlMs: 60_000 });
    await adminRun(nsB, 'bobs-secret-run');
  });
  after(async () => {
    await server?.stop();
    for (const namespace of [systemNs, nsA, nsB]) if (namespace) await deleteTestNamespace(kube, namespace);
  });

  it('answers 401 without a token and with a token the cluster does not accept', async () => {
    const none = await call('GET', `/api/v1/namespaces/${nsA}/runs`);
    assert.equal(none.status, 401);
    assert.equal(none.body.code, 'Unauthorized');
    assert.equal(none.headers.get('www-authenticate'), 'Bearer');
    const bad = await call('GET', `/api/v1/namespaces/${nsA}/runs`, { token: `${tokenA.slice(0, -4)}AAAA` });
    assert.equal(bad.status, 401);
    assert.match(bad.body.message, /not valid/);
    const basic = await fetch(`${server.url}/api/v1/namespaces/${nsA}/runs`, {
      headers: { authorization: 'Basic YWxpY2U6cHc=' },
    });
    assert.equal(basic.status, 401);
  });

  it("lets a tenant list its own runs but refuses a list of another tenant's, showing none of it", async () => {
    const own = await call('GET', `/api/v1/namespaces/${nsA}/runs`, { token: tokenA });
    assert.equal(own.status, 200, JSON.stringify(own.body));
    assert.deepEqual(own.body.items, []);
    const theirs = await call('GET', `/api/v1/namespaces/${nsB}/runs`, { token: tokenA });
    assert.equal(theirs.status, 403);
    assert.equal(theirs.body.code, 'Forbidden');
    assert.equal(theirs.body.items, undefined);
    assert.doesNotMatch(JSON.stringify(theirs.body), /bobs-secret-run/);
    assert.match(
      theirs.body.message,
      new RegExp(`cannot list agentruns\\.k8sclaw\\.io in namespace "${nsB}"`),
    );
    // bob, allowed there, does see it
    const bobs = await call('GET', `/api/v1/namespaces/${nsB}/runs`, { token: tokenB });
    assert.deepEqual(
      bobs.body.items.map((r: { metadata: { name: string } }) => r.metadata.name),
      ['bobs-secret-run'],
    );
  });

  it("refuses reads of another tenant's objects alike whether they exist or not", async () => {
    const existing = await call('GET', `/api/v1/namespaces/${nsB}/runs/bobs-secret-run`, { token: tokenA });
    const missing = await call('GET', `/api/v1/namespaces/${nsB}/runs/no-such-run`, { token: tokenA });
    assert.equal(existing.status, 403);
    assert.equal(missing.status, 403);
    assert.equal(existing.body.spec, undefined);
    for (const path of ['instances', 'schedules', 'policies', 'skillpacks', 'instances/x/memory']) {
      const answer = await call('GET', `/api/v1/namespaces/${nsB}/${path}`, { token: tokenA });
      assert.equal(answer.status, 403, path);
    }
    const cancel = await call('POST', `/api/v1/namespaces/${nsB}/runs/bobs-secret-run/cancel`, {
      token: tokenA,
    });
    const remove = await call('DELETE', `/api/v1/namespaces/${nsB}/runs/bobs-secret-run`, { token: tokenA });
    assert.equal(cancel.status, 403);
    assert.equal(remove.status, 403);
    await readRun(nsB, 'bobs-secret-run');
  });

  it("refuses to create a run in another tenant's namespace, and creates nothing there", async () => {
    const answer = await call('POST', `/api/v1/namespaces/${nsB}/runs`, {
      token: tokenA,
      body: { metadata: { name: 'intruder' }, spec: runSpec },
    });
    assert.equal(answer.status, 403);
    await assert.rejects(readRun(nsB, 'intruder'), isNotFound);
  });

  it('creates a run that then exists in Kubernetes, recording who asked for it', async () => {
    const answer = await call('POST', `/api/v1/namespaces/${nsA}/runs`, {
      token: tokenA,
      body: { metadata: { name: 'hello' }, spec: runSpec },
    });
    assert.equal(answer.status, 201, JSON.stringify(answer.body));
    assert.equal(answer.body.metadata.name, 'hello');
    assert.equal(answer.body.metadata.managedFields, undefined);
    const stored = await readRun(nsA, 'hello');
    assert.equal(stored.metadata.uid, answer.body.metadata.uid);
    assert.deepEqual(stored.spec, { ...runSpec, cleanup: 'keep', ttlSecondsAfterFinished: 86400 });
    assert.equal(
      stored.metadata.annotations?.['k8sclaw.io/requested-by'],
      `system:serviceaccount:${nsA}:alice`,
    );
    const read = await call('GET', `/api/v1/namespaces/${nsA}/runs/hello`, { token: tokenA });
    assert.equal(read.status, 200);
    assert.equal(read.body.metadata.uid, stored.metadata.uid);
    const again = await call('POST', `/api/v1/namespaces/${nsA}/runs`, {
      token: tokenA,
      body: { metadata: { name: 'hello' }, spec: runSpec },
    });
    assert.equal(again.status, 409);
    assert.equal(again.body.code, 'AlreadyExists');
    const generated = await call('POST', `/api/v1/namespaces/${nsA}/runs`, {
      token: tokenA,
      body: { spec: runSpec },
    });
    assert.equal(generated.status, 201);
    assert.match(generated.body.metadata.name, /^alice-[a-z0-9]{5}$/);
  });

  it('answers bad bodies with 400 naming the field, and creates nothing', async () => {
    const post = (options: Parameters<typeof callApi>[3]) =>
      call('POST', `/api/v1/namespaces/${nsA}/runs`, { token: tokenA, ...options });
    const cases: [string, Awaited<ReturnType<typeof post>>, string][] = [
      ['malformed JSON', await post({ rawBody: '{"spec": {"instanceRef": "alice",' }), 'body'],
      ['unknown field', await post({ body: { spec: { ...runSpec, tsak: 'typo' } } }), 'spec.tsak'],
      [
        'unknown top-level field',
        await post({ body: { spec: runSpec, status: { phase: 'Succeeded' } } }),
        'status',
      ],
      ['missing field', await post({ body: { spec: { instanceRef: 'alice' } } }), 'spec.task'],
      ['oversized body', await post({ body: { spec: { ...runSpec, task: 'x'.repeat(70 * 1024) } } }), 'body'],
    ];
    for (const [name, answer, field] of cases) {
      assert.equal(answer.status, 400, name);
      assert.equal(answer.body.code, 'InvalidRequest', name);
      assert.deepEqual(
        answer.body.fields.map((f: { field: string }) => f.field),
        [field],
        name,
      );
    }
    // a body sent in chunks, with no Content-Length to check first, is cut off while it streams
    const chunk = new TextEncoder().encode(' '.repeat(16 * 1024));
    let sent = 0;
    const chunked = await fetch(`${server.url}/api/v1/namespaces/${nsA}/runs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tokenA}`, 'content-type': 'application/json' },
      body: new ReadableStream({
        pull(controller) {
          if (sent++ < 8) controller.enqueue(chunk);
          else controller.close();
        },
      }),
      duplex: 'half',
    } as RequestInit);
    assert.equal(chunked.status, 400);
    assert.deepEqual(((await chunked.json()) as { fields: { field: string }[] }).fields, [
      { field: 'body', message: 'must be at most 65536 bytes' },
    ]);
    // a rule only the apiserver checks (CEL): its message names the field
    const cel = await post({ body: { spec: { ...runSpec, model: { provider: 'azure-openai' } } } });
    assert.equal(cel.status, 400, JSON.stringify(cel.body));
    assert.match(cel.body.message, /spec\.model/);
    const list = await call('GET', `/api/v1/namespaces/${nsA}/runs?limit=500`, { token: tokenA });
    assert.equal(
      list.body.items.some((r: { spec: { task: string } }) => r.spec.task !== runSpec.task),
      false,
    );
    const badQuery = await call('GET', `/api/v1/namespaces/${nsA}/runs?limit=0&sort=name`, { token: tokenA });
    assert.equal(badQuery.status, 400);
    assert.deepEqual(
      badQuery.body.fields.map((f: { field: string }) => f.field),
      ['sort'],
    );
  });

  it('pages through a list with limit and continue, seeing every run once', async () => {
    const names = ['page-1', 'page-2', 'page-3', 'page-4', 'page-5'];
    for (const name of names) await adminRun(nsA, name);
    const all = (
      (await kube.customObjects.listNamespacedCustomObject({ ...runs, namespace: nsA })) as {
        items: { metadata: { name: string } }[];
      }
    ).items.map((r) => r.metadata.name);
    const seen: string[] = [];
    let token: string | undefined;
    for (let page = 0; page < 20; page++) {
      const query = `limit=2${token ? `&continue=${encodeURIComponent(token)}` : ''}`;
      const answer = await call('GET', `/api/v1/namespaces/${nsA}/runs?${query}`, { token: tokenA });
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      assert.ok(answer.body.items.length <= 2);
      seen.push(...answer.body.items.map((r: { metadata: { name: string } }) => r.metadata.name));
      token = answer.body.continue;
      if (!token) break;
    }
    assert.equal(token, undefined);
    assert.deepEqual(seen, all);
    for (const name of names) assert.ok(seen.includes(name), name);
    const stale = await call('GET', `/api/v1/namespaces/${nsA}/runs?limit=2&continue=not-a-token`, {
      token: tokenA,
    });
    assert.equal(stale.status, 400);
  });

  it('cancels a running run by deleting its Job, and refuses a finished one', async () => {
    const created = (await adminRun(nsA, 'to-cancel')) as { metadata: { uid: string } };
    const jobName = agentJobName('to-cancel');
    await kube.applyStatus(
      resourceOf(agentRunKind),
      {
        apiVersion,
        kind: 'AgentRun',
        metadata: { name: 'to-cancel', namespace: nsA },
        status: { phase: 'Running', jobName },
      },
      'k8sclaw-test',
    );
    await kube.batch.createNamespacedJob({
      namespace: nsA,
      body: {
        metadata: {
          name: jobName,
          ownerReferences: [
            { apiVersion, kind: 'AgentRun', name: 'to-cancel', uid: created.metadata.uid, controller: true },
          ],
        },
        spec: {
          template: {
            spec: { restartPolicy: 'Never', containers: [{ name: 'agent', image: 'agent:test' }] },
          },
        },
      },
    });
    const answer = await call('POST', `/api/v1/namespaces/${nsA}/runs/to-cancel/cancel`, { token: tokenA });
    assert.equal(answer.status, 202, JSON.stringify(answer.body));
    assert.equal(
      answer.body.metadata.annotations['k8sclaw.io/cancelled-by'],
      `system:serviceaccount:${nsA}:alice`,
    );
    assert.ok(Date.parse(answer.body.metadata.annotations['k8sclaw.io/cancelled-at']));
    await eventually(
      `Job ${jobName} to be deleted`,
      whenGone(() => kube.batch.readNamespacedJob({ name: jobName, namespace: nsA })),
    );
    await kube.applyStatus(
      resourceOf(agentRunKind),
      {
        apiVersion,
        kind: 'AgentRun',
        metadata: { name: 'to-cancel', namespace: nsA },
        status: { phase: 'Failed', jobName },
      },
      'k8sclaw-test',
    );
    const finished = await call('POST', `/api/v1/namespaces/${nsA}/runs/to-cancel/cancel`, { token: tokenA });
    assert.equal(finished.status, 409);
    assert.match(finished.body.message, /already finished/);
    const notStarted = await call('POST', `/api/v1/namespaces/${nsA}/runs/hello/cancel`, { token: tokenA });
    assert.equal(notStarted.status, 409);
    const missing = await call('POST', `/api/v1/namespaces/${nsA}/runs/nowhere/cancel`, { token: tokenA });
    assert.equal(missing.status, 404);
  });

  it('deletes a run', async () => {
    await adminRun(nsA, 'to-delete');
    const answer = await call('DELETE', `/api/v1/namespaces/${nsA}/runs/to-delete`, { token: tokenA });
    assert.deepEqual(
      [answer.status, answer.body],
      [200, { namespace: nsA, name: 'to-delete', deleted: true }],
    );
    await eventually(
      'the run to be gone',
      whenGone(() => readRun(nsA, 'to-delete')),
    );
    const again = await call('DELETE', `/api/v1/namespaces/${nsA}/runs/to-delete`, { token: tokenA });
    assert.equal(again.status, 404);
  });

  it("serves instances and an instance's own memory, not a ConfigMap that only has its name", async () => {
    const instance = (await kube.customObjects.createNamespacedCustomObject({
      group,
      version,
      plural: clawInstanceKind.plural,
      namespace: nsA,
      body: {
        apiVersion,
        kind: 'ClawInstance',
        metadata: { name: 'alice' },
        spec: {
          agents: {
            default: { provider: 'openai', model: 'gpt-4o', authSecretRef: { name: 'k', key: 'api-key' } },
          },
        },
      },
    })) as { metadata: { uid: string } };
    const list = await call('GET', `/api/v1/namespaces/${nsA}/instances`, { token: tokenA });
    assert.equal(list.status, 200);
    assert.deepEqual(
      list.body.items.map((i: { metadata: { name: string } }) => i.metadata.name),
      ['alice'],
    );
    const noMemory = await call('GET', `/api/v1/namespaces/${nsA}/instances/alice/memory`, { token: tokenA });
    assert.equal(noMemory.status, 404);
    await kube.core.createNamespacedConfigMap({
      namespace: nsA,
      body: { metadata: { name: 'alice-memory' }, data: { 'MEMORY.md': 'planted' } },
    });
    const foreign = await call('GET', `/api/v1/namespaces/${nsA}/instances/alice/memory`, { token: tokenA });
    assert.equal(foreign.status, 404);
    await kube.core.patchNamespacedConfigMap({
      name: 'alice-memory',
      namespace: nsA,
      body: [
        {
          op: 'add',
          path: '/metadata/ownerReferences',
          value: [{ apiVersion, kind: 'ClawInstance', name: 'alice', uid: instance.metadata.uid }],
        },
        { op: 'replace', path: '/data/MEMORY.md', value: '# Memory\n- likes tea\n' },
      ],
    });
    const memory = await call('GET', `/api/v1/namespaces/${nsA}/instances/alice/memory`, { token: tokenA });
    assert.equal(memory.status, 200, JSON.stringify(memory.body));
    assert.equal(memory.body.content, '# Memory\n- likes tea\n');
    assert.equal(memory.body.configMapName, 'alice-memory');
  });

  it('asks the cluster once per token and once per action while its answers are fresh', async () => {
    /** How many reviews of `resource` the kube-apiserver has answered (its own request counter). */
    const reviews = async (resource: string) =>
      (await kubectl(integrationKubeconfigPath(), 'get', '--raw', '/metrics'))
        .split('\n')
        .filter(
          (line) => line.startsWith('apiserver_request_total{') && line.includes(`resource="${resource}"`),
        )
        .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
    // a new token of alice's: nothing is cached for it yet
    const token = (
      await kube.core.createNamespacedServiceAccountToken({
        name: 'alice',
        namespace: nsA,
        body: { spec: { audiences: [] } },
      })
    ).status?.token;
    assert.ok(token);
    const before = { tokens: await reviews('tokenreviews'), access: await reviews('subjectaccessreviews') };
    for (let i = 0; i < 5; i++) {
      assert.equal((await call('GET', `/api/v1/namespaces/${nsA}/runs?limit=1`, { token })).status, 200);
    }
    assert.equal(await reviews('tokenreviews'), before.tokens + 1);
    assert.equal(await reviews('subjectaccessreviews'), before.access + 1);
    assert.equal((await call('GET', `/api/v1/namespaces/${nsA}/instances`, { token })).status, 200);
    assert.equal(await reviews('tokenreviews'), before.tokens + 1);
    assert.equal(await reviews('subjectaccessreviews'), before.access + 2);
  });

  it('serves an OpenAPI document listing every route, without a token', async () => {
    const answer = await call('GET', '/api/v1/openapi.json');
    assert.equal(answer.status, 200);
    assert.equal(answer.body.openapi, '3.1.0');
    for (const route of apiRoutes) {
      assert.ok(answer.body.paths[route.path]?.[route.method], `${route.method} ${route.path}`);
    }
  });
});
