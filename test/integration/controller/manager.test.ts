// The controller manager on a real apiserver: it is not ready while a cache cannot list, and once
// another candidate takes its Lease it stops handing out keys at once and `run` resolves with the
// loss reported, without waiting for the reconcile in flight.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { ControllerManager } from '../../../src/controller/index.ts';
import { ResourceInformer, toMicroTime } from '../../../src/kube/index.ts';
import { createLogger } from '../../../src/observability/index.ts';
import { eventually } from '../../harness/eventually.ts';
import { integrationKubeClient } from '../../harness/integration.ts';
import { createTestNamespace, deleteTestNamespace } from '../../harness/test-namespace.ts';

const configMaps = { apiVersion: 'v1', kind: 'ConfigMap', plural: 'configmaps' };
const logger = createLogger({ component: 'manager-test', level: 'silent' });
const timing = { leaseDurationMs: 2_000, renewDeadlineMs: 1_500, retryPeriodMs: 200 };

describe('ControllerManager', () => {
  const kube = integrationKubeClient();
  let namespace = '';
  before(async () => {
    namespace = await createTestNamespace(kube, 'manager');
  });
  after(async () => {
    await deleteTestNamespace(kube, namespace);
  });

  function manager(identity: string, leaseName: string): ControllerManager {
    return new ControllerManager(
      kube,
      { leaseNamespace: namespace, leaseName, identity, resyncMs: 60_000, ...timing },
      logger,
    );
  }

  it('is not ready while a cache cannot list, and stops cleanly meanwhile', async () => {
    const listable = new ResourceInformer(kube, configMaps, { labelSelector: `manager-${namespace}` });
    // a kind the apiserver does not serve: its list fails for as long as the test runs
    const unlistable = new ResourceInformer(
      kube,
      { apiVersion: 'k8sclaw.io/v1alpha1', kind: 'NotServed', plural: 'notserveds' },
      { retryBaseMs: 50, retryMaxMs: 200 },
    );
    const subject = manager('unready', 'unready');
    subject.register({
      name: 'test',
      reconcile: async () => undefined,
      primary: listable as ResourceInformer<object>,
      watches: [{ informer: unlistable as ResourceInformer<object>, toKeys: () => [] }],
    });
    const stop = new AbortController();
    const running = subject.run(stop.signal);
    // long enough for the listable cache to list and for the other to fail several times
    await sleep(1_500);
    assert.equal(subject.isReady, false, 'one cache has never listed');
    assert.equal(listable.hasSynced, true);
    assert.equal(unlistable.hasSynced, false);
    assert.equal(subject.isLeader, false, 'no campaign before the caches have synced');
    stop.abort();
    await running;
    assert.equal(subject.isLeader, false);
  });

  it('stops handing out keys at once when its Lease is taken, stands by, and leads again once it is free', async () => {
    const label = `fenced-${namespace}`;
    for (let i = 0; i < 5; i++) {
      await kube.core.createNamespacedConfigMap({
        namespace,
        body: { metadata: { name: `cm-${i}`, labels: { [label]: 'yes' } } },
      });
    }
    const informer = new ResourceInformer(kube, configMaps, { labelSelector: label });
    const reconciled: string[] = [];
    let release = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    const subject = manager('old-leader', 'fenced');
    subject.register({
      name: 'test',
      primary: informer as ResourceInformer<object>,
      watches: [],
      workers: 1,
      reconcile: async (key) => {
        reconciled.push(key);
        // the first key stays in flight until the test lets it go
        if (reconciled.length === 1) await gate;
      },
    });
    const stop = new AbortController();
    const running = subject.run(stop.signal);
    try {
      await eventually('a reconcile in flight', async () => (reconciled.length === 1 ? true : undefined));
      assert.equal(subject.isLeader, true);

      const lease = await kube.coordination.readNamespacedLease({ name: 'fenced', namespace });
      lease.spec = {
        ...lease.spec,
        holderIdentity: 'new-leader',
        renewTime: toMicroTime(Date.now()) as unknown as Date,
        leaseDurationSeconds: 60,
      };
      await kube.coordination.replaceNamespacedLease({ name: 'fenced', namespace, body: lease });

      await eventually('the loss', async () => (subject.isLeader ? undefined : true), 10_000, 20);
      assert.equal(subject.terms, 1);

      release();
      await kube.core.createNamespacedConfigMap({
        namespace,
        body: { metadata: { name: 'cm-late', labels: { [label]: 'yes' } } },
      });
      await sleep(1_000);
      assert.deepEqual(reconciled, [reconciled[0]], 'no key was handed out after the loss');
      const after = await kube.coordination.readNamespacedLease({ name: 'fenced', namespace });
      assert.equal(after.spec?.holderIdentity, 'new-leader', 'the old leader did not write the Lease back');

      // the new leader goes away without releasing the Lease: once it expires the standby takes
      // it, with the caches it kept, and works through what arrived meanwhile
      after.spec = { ...after.spec, leaseDurationSeconds: 1 };
      await kube.coordination.replaceNamespacedLease({ name: 'fenced', namespace, body: after });
      await eventually('leading again', async () => (subject.isLeader ? true : undefined), 15_000, 50);
      assert.equal(subject.terms, 2);
      await eventually('the late key', async () =>
        reconciled.includes(`${namespace}/cm-late`) ? true : undefined,
      );
    } finally {
      release();
      stop.abort();
      await running;
    }
  });
});
