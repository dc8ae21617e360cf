// Informers against a real apiserver: a first list that fails keeps the informer unsynced and is
// retried with growing delays until it succeeds, and a watch that keeps failing after a good list
// goes on backing off (the list does not reset the backoff); a quiet watch follows the resourceVersion through
// bookmarks and resumes after each server-side timeout without relisting; a watch whose
// resourceVersion was compacted away in etcd relists exactly once; lists come in pages (core and
// custom kinds alike) and the cache holds only each object's projection.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { KubeClient, ResourceInformer, isForbidden } from '../../../src/kube/index.ts';
import { installCrds } from '../../harness/crds.ts';
import { eventually } from '../../harness/eventually.ts';
import {
  integrationEtcdUrl,
  integrationKubeClient,
  integrationKubeconfigPath,
} from '../../harness/integration.ts';
import { buildTokenKubeconfigFrom } from '../../harness/kubeconfig.ts';
import { createTestNamespace, deleteTestNamespace } from '../../harness/test-namespace.ts';

const configMaps = { apiVersion: 'v1', kind: 'ConfigMap', plural: 'configmaps' };
// core/v1 Events are not kept in the apiserver's watch cache, so their watches read etcd directly
// and see its compaction
const events = { apiVersion: 'v1', kind: 'Event', plural: 'events' };

interface Named {
  metadata?: { name?: string; resourceVersion?: string };
  data?: Record<string, string>;
}

/** resourceVersions are opaque to clients; this test knows they are etcd revisions. */
const revision = (resourceVersion: string | undefined): bigint => BigInt(resourceVersion ?? '0');

describe('ResourceInformer on a real apiserver', () => {
  const kube = integrationKubeClient();
  let namespace = '';
  const cleanups: (() => Promise<unknown>)[] = [];
  before(async () => {
    namespace = await createTestNamespace(kube, 'informer');
  });
  after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
    await deleteTestNamespace(kube, namespace);
  });

  it('answers lookups by index from the first list on, through adds, label changes and deletes', async () => {
    const team = (object: { metadata?: { labels?: Record<string, string> } }) =>
      object.metadata?.labels?.team;
    const informer = new ResourceInformer<Named>(kube, configMaps, {
      labelSelector: 'indexed=yes',
      indexes: { team: team },
    });
    const names = (value: string) =>
      informer
        .byIndex('team', namespace, value)
        .map((o) => o.metadata?.name)
        .sort();
    const create = (name: string, teamName: string) =>
      kube.core.createNamespacedConfigMap({
        namespace,
        body: { metadata: { name, labels: { indexed: 'yes', team: teamName } } },
      });
    await create('a1', 'alpha');
    await informer.start();
    cleanups.push(() => informer.stop());
    assert.deepEqual(names('alpha'), ['a1']);
    await create('a2', 'alpha');
    await create('b1', 'beta');
    await eventually('the new objects indexed', async () =>
      names('alpha').length === 2 && names('beta').length === 1 ? true : undefined,
    );
    await kube.core.patchNamespacedConfigMap({
      name: 'a2',
      namespace,
      body: [{ op: 'replace', path: '/metadata/labels/team', value: 'beta' }],
    });
    await eventually('a2 moved to beta', async () => (names('beta').length === 2 ? true : undefined));
    assert.deepEqual(names('alpha'), ['a1']);
    assert.deepEqual(names('beta'), ['a2', 'b1']);
    assert.equal(informer.countByIndex('team', namespace, 'beta'), 2);
    await kube.core.deleteNamespacedConfigMap({ name: 'b1', namespace });
    await eventually('b1 gone from the index', async () => (names('beta').length === 1 ? true : undefined));
    assert.deepEqual(names('beta'), ['a2']);
    assert.equal(informer.countByIndex('team', namespace, 'beta'), 1);
    assert.equal(informer.countByIndex('team', namespace, 'gamma'), 0);
    assert.deepEqual(names('gamma'), []);
    assert.throws(() => informer.byIndex('nope', namespace, 'x'), /no index nope/);
  });

  it('lists in pages and caches, and hands out, only the projection of each object', async () => {
    for (let i = 0; i < 7; i++) {
      await kube.core.createNamespacedConfigMap({
        namespace,
        body: { metadata: { name: `p${i}`, labels: { paged: 'yes' } }, data: { keep: `k${i}`, drop: 'x' } },
      });
    }
    const seen: Named[] = [];
    const pages: number[] = [];
    const informer = new ResourceInformer<Named>(kube, configMaps, {
      labelSelector: 'paged=yes',
      pageSize: 3,
      onListed: (items) => pages.push(items),
      transform: (object) => {
        const { data } = object as Named;
        return { ...object, data: { keep: data?.keep ?? '' } } as typeof object;
      },
    });
    informer.on((_event, object) => seen.push(object));
    await informer.start();
    cleanups.push(() => informer.stop());
    // 7 objects in pages of 3: the continue tokens were followed to the end
    assert.deepEqual(pages, [7]);
    assert.deepEqual(
      informer
        .list(namespace)
        .map((o) => `${o.metadata?.name}:${JSON.stringify(o.data)}`)
        .sort(),
      Array.from({ length: 7 }, (_, i) => `p${i}:{"keep":"k${i}"}`),
    );
    await kube.core.patchNamespacedConfigMap({
      name: 'p3',
      namespace,
      body: [{ op: 'replace', path: '/data/keep', value: 'changed' }],
    });
    await eventually('the update cached', async () =>
      informer.get(namespace, 'p3')?.data?.keep === 'changed' ? true : undefined,
    );
    assert.deepEqual(informer.get(namespace, 'p3')?.data, { keep: 'changed' });
    assert.ok(seen.length >= 8 && seen.every((o) => o.data?.drop === undefined), 'handlers see projections');

    // a custom kind pages the same way (the client's generic list drops its continue token)
    await installCrds(kube);
    for (let i = 0; i < 5; i++) {
      await kube.customObjects.createNamespacedCustomObject({
        group: 'k8sclaw.io',
        version: 'v1alpha1',
        namespace,
        plural: 'agentruns',
        body: {
          apiVersion: 'k8sclaw.io/v1alpha1',
          kind: 'AgentRun',
          metadata: { name: `r${i}`, labels: { paged: 'yes' } },
          spec: { instanceRef: 'i', task: 't' },
        },
      });
    }
    const runPages: number[] = [];
    const runs = new ResourceInformer<Named>(
      kube,
      { apiVersion: 'k8sclaw.io/v1alpha1', kind: 'AgentRun', plural: 'agentruns' },
      { labelSelector: 'paged=yes', pageSize: 2, onListed: (items) => runPages.push(items) },
    );
    await runs.start();
    cleanups.push(() => runs.stop());
    assert.deepEqual(runPages, [5]);
    assert.deepEqual(
      runs
        .list(namespace)
        .map((o) => o.metadata?.name)
        .sort(),
      ['r0', 'r1', 'r2', 'r3', 'r4'],
    );
  });

  it('stays unsynced while the list fails and backs off while list or watch keep failing', async () => {
    await kube.core.createNamespacedServiceAccount({ namespace, body: { metadata: { name: 'reader' } } });
    const token = await kube.core.createNamespacedServiceAccountToken({
      name: 'reader',
      namespace,
      body: { spec: { audiences: [], expirationSeconds: 3600 } },
    });
    const dir = await mkdtemp(path.join(os.tmpdir(), 'informer-test-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const kubeconfig = path.join(dir, 'reader.kubeconfig');
    await writeFile(
      kubeconfig,
      buildTokenKubeconfigFrom(
        await readFile(integrationKubeconfigPath(), 'utf8'),
        'reader',
        token.status?.token ?? '',
      ),
    );
    const label = `informer-rbac-${namespace}`;
    await kube.core.createNamespacedConfigMap({
      namespace,
      body: { metadata: { name: 'listed', labels: { [label]: 'yes' } } },
    });

    const failures: { error: unknown; retryInMs: number }[] = [];
    const informer = new ResourceInformer<Named>(KubeClient.fromKubeconfigFile(kubeconfig), configMaps, {
      labelSelector: label,
      retryBaseMs: 50,
      retryMaxMs: 400,
      onError: (error, retryInMs) => failures.push({ error, retryInMs }),
    });
    let started = false;
    const starting = informer.start().then(() => (started = true));
    try {
      await eventually(
        'five failed lists',
        async () => (failures.length >= 5 ? true : undefined),
        20_000,
        20,
      );
      assert.equal(started, false, 'start() waits for a list that succeeds');
      assert.equal(informer.hasSynced, false);
      assert.ok(
        failures.every(({ error }) => isForbidden(error)),
        'the failures are the forbidden list',
      );
      const delays = failures.map(({ retryInMs }) => retryInMs);
      assert.ok(
        delays[3]! >= 4 * delays[0]! && delays[4]! >= 400,
        `the retry delay grows under a persistent error: ${delays.join(', ')}`,
      );

      const name = `${namespace}-configmap-reader`;
      await kube.rbac.createClusterRole({
        body: {
          metadata: { name },
          // list only, for now: the watch keeps failing after the list succeeds
          rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['list'] }],
        },
      });
      cleanups.push(() => kube.rbac.deleteClusterRole({ name }));
      await kube.rbac.createClusterRoleBinding({
        body: {
          metadata: { name },
          roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name },
          subjects: [{ kind: 'ServiceAccount', name: 'reader', namespace }],
        },
      });
      cleanups.push(() => kube.rbac.deleteClusterRoleBinding({ name }));
      await eventually('the informer to sync', async () => (started ? true : undefined), 20_000, 20);
      assert.equal(informer.hasSynced, true);
      assert.deepEqual(
        informer.list().map((object) => object.metadata?.name),
        ['listed'],
      );

      const failedBefore = failures.length;
      await eventually(
        'three failed watches',
        async () => (failures.length >= failedBefore + 3 ? true : undefined),
        20_000,
        20,
      );
      const watchFailures = failures.slice(failedBefore);
      assert.ok(watchFailures.every(({ error }) => isForbidden(error)));
      assert.ok(
        watchFailures.every(({ retryInMs }) => retryInMs >= 400),
        `a successful list does not reset the backoff while the watch fails: ${watchFailures.map((f) => f.retryInMs).join(', ')}`,
      );
      await kube.rbac.patchClusterRole({
        name,
        body: [{ op: 'add', path: '/rules/0/verbs/-', value: 'watch' }],
      });
      await kube.core.patchNamespacedConfigMap({
        name: 'listed',
        namespace,
        body: [{ op: 'add', path: '/data', value: { n: '1' } }],
      });
      await eventually('the watch to deliver the change', async () =>
        informer.get(namespace, 'listed')?.data?.n === '1' ? true : undefined,
      );
    } finally {
      await informer.stop();
      await starting;
    }
  });

  it('follows a quiet watch through bookmarks and resumes it without relisting', async () => {
    const label = `informer-quiet-${namespace}`;
    await kube.core.createNamespacedConfigMap({
      namespace,
      body: { metadata: { name: 'watched', labels: { [label]: 'yes' } }, data: { n: '0' } },
    });
    let lists = 0;
    const failures: unknown[] = [];
    const informer = new ResourceInformer<Named>(kube, configMaps, {
      labelSelector: label,
      watchTimeoutSeconds: 3,
      onListed: () => lists++,
      onError: (error) => failures.push(error),
    });
    await informer.start();
    try {
      assert.equal(lists, 1);
      const listedAt = informer.lastSyncResourceVersion;
      // writes the informer does not select move the store's revision on
      let latest = '';
      for (let i = 0; i < 3; i++) {
        const created = await kube.core.createNamespacedConfigMap({
          namespace,
          body: { metadata: { name: `unwatched-${i}` } },
        });
        latest = created.metadata?.resourceVersion ?? '';
      }
      assert.ok(revision(latest) > revision(listedAt));
      await eventually(
        'a bookmark to move the resourceVersion on',
        async () => (revision(informer.lastSyncResourceVersion) >= revision(latest) ? true : undefined),
        20_000,
        100,
      );
      // outlive two more server-side watch timeouts
      await sleep(7_000);
      await kube.core.patchNamespacedConfigMap({
        name: 'watched',
        namespace,
        body: [{ op: 'replace', path: '/data/n', value: '1' }],
      });
      await eventually('the change to arrive', async () =>
        informer.get(namespace, 'watched')?.data?.n === '1' ? true : undefined,
      );
      assert.equal(lists, 1, 'the watch resumed from its resourceVersion every time');
      assert.deepEqual(failures, []);
    } finally {
      await informer.stop();
    }
  });

  it('relists exactly once when its resourceVersion was compacted away', async () => {
    const label = `informer-compacted-${namespace}`;
    const createEvent = (name: string) =>
      kube.core.createNamespacedEvent({
        namespace,
        body: {
          metadata: { name, labels: { [label]: 'yes' } },
          involvedObject: { kind: 'ConfigMap', name: 'anything', namespace },
          reason: 'Test',
          message: name,
          type: 'Normal',
        },
      });
    await createEvent('before');
    let lists = 0;
    const informer = new ResourceInformer<Named>(kube, events, {
      labelSelector: label,
      watchTimeoutSeconds: 2,
      retryBaseMs: 50,
      onListed: () => lists++,
    });
    await informer.start();
    try {
      assert.equal(lists, 1);
      // a watch from revision r reads from r + 1 on: compact past that
      let compactAt = '';
      for (let i = 0; i < 3; i++) {
        const moved = await kube.core.createNamespacedConfigMap({
          namespace,
          body: { metadata: { name: `moves-the-revision-on-${i}` } },
        });
        compactAt = moved.metadata?.resourceVersion ?? '';
      }
      assert.ok(revision(compactAt) > revision(informer.lastSyncResourceVersion) + 1n);
      const compacted = await fetch(`${integrationEtcdUrl()}/v3/kv/compaction`, {
        method: 'POST',
        body: JSON.stringify({ revision: compactAt, physical: true }),
      });
      assert.equal(compacted.status, 200, await compacted.text());

      await eventually('the relist', async () => (lists >= 2 ? true : undefined), 20_000, 50);
      await createEvent('after');
      await eventually('the watch to go on after the relist', async () =>
        informer.get(namespace, 'after') ? true : undefined,
      );
      // outlive two more server-side watch timeouts
      await sleep(5_000);
      assert.equal(lists, 2, 'one relist, not one per reconnect');
      assert.deepEqual(
        informer
          .list()
          .map((e) => e.metadata?.name)
          .sort(),
        ['after', 'before'],
      );
    } finally {
      await informer.stop();
    }
  });
});
