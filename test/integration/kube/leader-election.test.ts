// Leader election on a real Lease: of two candidates exactly one leads; a clean stop hands over at
// once (the Lease is released); a crashed leader (no release) is replaced after the lease expires;
// a leader whose renewals hang gives up leadership at the renew deadline, before the Lease expires.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { KubeClient, LeaderElector } from '../../../src/kube/index.ts';
import { eventually } from '../../harness/eventually.ts';
import { integrationKubeClient, integrationKubeconfigPath } from '../../harness/integration.ts';
import { withServer } from '../../harness/kubeconfig.ts';
import { startStallableProxy } from '../../harness/stallable-proxy.ts';
import { createTestNamespace, deleteTestNamespace } from '../../harness/test-namespace.ts';

describe('LeaderElector on a real Lease', () => {
  const kube = integrationKubeClient();
  let namespace = '';
  before(async () => {
    namespace = await createTestNamespace(kube, 'leader-election');
  });
  after(async () => {
    await deleteTestNamespace(kube, namespace);
  });

  const timing = { leaseDurationMs: 2_000, renewDeadlineMs: 1_500, retryPeriodMs: 200 };

  function candidate(identity: string, leaseName: string, client = kube) {
    const elector = new LeaderElector(client, { namespace, name: leaseName, identity, ...timing });
    const stop = new AbortController();
    const state = { leading: false, stopped: false };
    const done = elector.run(
      {
        onStartedLeading: () => (state.leading = true),
        onStoppedLeading: () => ((state.leading = false), (state.stopped = true)),
      },
      stop.signal,
    );
    return { identity, state, stop, done };
  }

  it('lets exactly one candidate lead and hands over on a clean stop', async () => {
    const a = candidate('a', 'handover');
    const b = candidate('b', 'handover');
    const first = await eventually('a leader', async () =>
      a.state.leading ? a : b.state.leading ? b : undefined,
    );
    const second = first === a ? b : a;
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    assert.equal(second.state.leading, false, 'only one leader at a time');
    const lease = await kube.coordination.readNamespacedLease({ name: 'handover', namespace });
    assert.equal(lease.spec?.holderIdentity, first.identity);

    const stoppedAt = Date.now();
    first.stop.abort();
    await first.done;
    await eventually(
      'the standby to take over',
      async () => (second.state.leading ? true : undefined),
      10_000,
      50,
    );
    assert.ok(
      Date.now() - stoppedAt < timing.leaseDurationMs,
      'a released Lease is taken at once, not after expiry',
    );
    second.stop.abort();
    await second.done;
  });

  it('replaces a leader that stopped renewing once its lease has expired', async () => {
    const crashed = candidate('crashed', 'expiry');
    await eventually('the first leader', async () => (crashed.state.leading ? true : undefined));
    // simulate a crash: the Lease stays held by `crashed`, nobody renews it
    const lease = await kube.coordination.readNamespacedLease({ name: 'expiry', namespace });
    const heldBy = lease.spec?.holderIdentity;
    crashed.stop.abort();
    await crashed.done;
    await kube.coordination.replaceNamespacedLease({
      name: 'expiry',
      namespace,
      body: {
        ...(await kube.coordination.readNamespacedLease({ name: 'expiry', namespace })),
        spec: { ...lease.spec, holderIdentity: heldBy ?? 'crashed', leaseDurationSeconds: 2 },
      },
    });
    const takeoverStart = Date.now();
    const standby = candidate('standby', 'expiry');
    await eventually(
      'the standby to take over',
      async () => (standby.state.leading ? true : undefined),
      15_000,
      50,
    );
    assert.ok(Date.now() - takeoverStart >= 1_500, 'an unexpired Lease is respected');
    const after = await kube.coordination.readNamespacedLease({ name: 'expiry', namespace });
    assert.equal(after.spec?.holderIdentity, 'standby');
    assert.ok((after.spec?.leaseTransitions ?? 0) >= 1);
    standby.stop.abort();
    await standby.done;
  });

  it('gives up leadership at the renew deadline when its renewals hang', async () => {
    const server = new URL(kube.server);
    const proxy = await startStallableProxy(server.hostname, Number(server.port));
    const dir = await mkdtemp(path.join(os.tmpdir(), 'leader-election-'));
    const kubeconfig = path.join(dir, 'proxied.kubeconfig');
    await writeFile(
      kubeconfig,
      withServer(await readFile(integrationKubeconfigPath(), 'utf8'), `https://${proxy.address}`),
    );
    const leader = candidate('hanging', 'hang', KubeClient.fromKubeconfigFile(kubeconfig));
    try {
      let ended: string | undefined;
      void leader.done.then((reason) => (ended = reason));
      await eventually('the leader', async () => (leader.state.leading ? true : undefined));
      // the network path to the apiserver hangs: renewals neither succeed nor fail
      proxy.stall();
      // (a hung request would otherwise only fail after the HTTP client's own five-minute timeout)
      await eventually('leadership to be given up', async () => ended, 10_000, 20);
      assert.equal(ended, 'lost');
      assert.equal(leader.state.leading, false);
      assert.equal(leader.state.stopped, true);
    } finally {
      leader.stop.abort();
      await proxy.close();
      await leader.done;
      await rm(dir, { recursive: true, force: true });
    }
  });
});
