// ClawInstance reconciler through the controller binary on the real apiserver: finalizer, memory
// ConfigMap seeded once and never reset, channel Deployments following spec.channels, run counts,
// and deletion that stops the instance's unfinished runs before the finalizer is released.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { ClawInstance } from '../../../src/api/index.ts';
import { instanceManifest, runManifest } from '../../fixtures/k8sclaw-objects.ts';
import { useControllerSuite } from '../../harness/controller-suite.ts';
import { eventually, whenGone } from '../../harness/eventually.ts';

const group = { group: 'k8sclaw.io', version: 'v1alpha1' };

describe('ClawInstance reconciler', () => {
  const suite = useControllerSuite('clawinstance', { withPods: true });
  const { kube } = suite;
  let namespace = '';
  before(() => {
    namespace = suite.namespace;
  });

  const readInstance = async () =>
    (await kube.customObjects.getNamespacedCustomObject({
      ...group,
      namespace,
      plural: 'clawinstances',
      name: 'alice',
    })) as ClawInstance;

  it('adds its finalizer, seeds the memory ConfigMap and runs a Deployment per channel', async () => {
    await kube.customObjects.createNamespacedCustomObject({
      ...group,
      namespace,
      plural: 'clawinstances',
      body: instanceManifest(
        'alice',
        namespace,
        {},
        { channels: [{ type: 'telegram', secretRef: { name: 'alice-telegram' } }] },
      ),
    });
    const status = await eventually('the instance status', async () => {
      const current = await readInstance();
      return current.status?.memoryConfigMap ? current : undefined;
    });
    assert.deepEqual(status.metadata.finalizers, ['k8sclaw.io/instance-cleanup']);
    assert.equal(status.status?.memoryConfigMap, 'alice-memory');
    assert.deepEqual(
      status.status?.channels?.map((c) => [c.type, c.status]),
      [['telegram', 'Pending']],
    );
    const memory = await kube.core.readNamespacedConfigMap({ name: 'alice-memory', namespace });
    assert.match(memory.data?.['MEMORY.md'] ?? '', /^# Memory of alice/);
    const deployment = await kube.apps.readNamespacedDeployment({
      name: 'alice-channel-telegram',
      namespace,
    });
    assert.equal(
      deployment.spec?.template.spec?.containers[0]?.image,
      'localhost/k8sclaw/channel-telegram:0.1.0',
    );
  });

  it('never resets memory the agents wrote', async () => {
    const memory = await kube.core.readNamespacedConfigMap({ name: 'alice-memory', namespace });
    memory.data = { 'MEMORY.md': '# Memory of alice\n- the cluster is called k8sclaw-local\n' };
    await kube.core.replaceNamespacedConfigMap({ name: 'alice-memory', namespace, body: memory });
    await kube.customObjects.patchNamespacedCustomObject({
      ...group,
      namespace,
      plural: 'clawinstances',
      name: 'alice',
      body: [{ op: 'add', path: '/spec/policyRef', value: 'later' }],
    });
    await eventually('the reconcile of the change', async () =>
      (await readInstance()).status?.phase === 'Error' ? true : undefined,
    );
    const after = await kube.core.readNamespacedConfigMap({ name: 'alice-memory', namespace });
    assert.match(after.data?.['MEMORY.md'] ?? '', /k8sclaw-local/);
  });

  it('removes the Deployment of a channel taken out of the spec', async () => {
    await kube.customObjects.patchNamespacedCustomObject({
      ...group,
      namespace,
      plural: 'clawinstances',
      name: 'alice',
      body: [{ op: 'remove', path: '/spec/channels' }],
    });
    await eventually(
      'the channel Deployment to go',
      whenGone(() => kube.apps.readNamespacedDeployment({ name: 'alice-channel-telegram', namespace })),
    );
  });

  it('counts its runs and stops the unfinished ones when deleted', async () => {
    for (const name of ['r1', 'r2']) {
      await kube.customObjects.createNamespacedCustomObject({
        ...group,
        namespace,
        plural: 'agentruns',
        body: runManifest(name, namespace, 'alice'),
      });
    }
    await eventually('two runs counted', async () =>
      (await readInstance()).status?.totalRuns === 2 ? true : undefined,
    );
    await kube.customObjects.deleteNamespacedCustomObject({
      ...group,
      namespace,
      plural: 'clawinstances',
      name: 'alice',
    });
    await eventually('the instance to be deleted', whenGone(readInstance), 30_000);
    const runs = await kube.customObjects.listNamespacedCustomObject({
      ...group,
      namespace,
      plural: 'agentruns',
    });
    assert.equal((runs as { items: unknown[] }).items.length, 0);
  });
});
