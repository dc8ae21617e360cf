// ClawInstance reconciler through the controller binary on the real apiserver: finalizer, memory
// ConfigMap seeded once and never reset, channel Deployments and Services following spec.channels
// with each channel's own bus credentials, run counts, and deletion that stops the instance's
// unfinished runs before the finalizer is released.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ClawInstance } from '../../../src/api/index.ts';
import { accountSignerOf, channelPermissions, createBusAuthority } from '../../../src/eventbus/index.ts';
import { instanceManifest, runManifest } from '../../fixtures/k8sclaw-objects.ts';
import { useControllerSuite } from '../../harness/controller-suite.ts';
import { eventually, whenGone } from '../../harness/eventually.ts';

const group = { group: 'k8sclaw.io', version: 'v1alpha1' };

/** The permissions inside a NATS credentials file's user JWT. */
function permissionsIn(creds: string): { pub: unknown; sub: unknown } {
  const jwt = /-----BEGIN NATS USER JWT-----\n(\S+)\n/.exec(creds)?.[1] ?? '';
  const claims = JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8')) as {
    nats: { pub: unknown; sub: unknown };
  };
  return { pub: claims.nats.pub, sub: claims.nats.sub };
}

describe('ClawInstance reconciler', () => {
  // the bus requires credentials: the controller signs each channel's with the account's signer
  let dir = '';
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'k8sclaw-instance-'));
    await writeFile(
      path.join(dir, 'signer.json'),
      JSON.stringify(accountSignerOf(await createBusAuthority())),
    );
  });
  after(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });
  const suite = useControllerSuite('clawinstance', {
    withPods: true,
    env: () => ({ K8SCLAW_BUS_ACCOUNT_SIGNER_FILE: path.join(dir, 'signer.json') }),
  });
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
    // its own bus credentials, which may use only this channel's subjects
    const volume = deployment.spec?.template.spec?.volumes?.find((v) => v.name === 'bus-credentials');
    const secretName = volume?.secret?.secretName ?? '';
    assert.match(secretName, /^alice-channel-telegram-bus-[0-9a-f]{8}$/);
    const secret = await kube.core.readNamespacedSecret({ name: secretName, namespace });
    const granted = channelPermissions({ namespace, instance: 'alice', channel: 'telegram' });
    assert.deepEqual(
      permissionsIn(Buffer.from(secret.data?.['bus.creds'] ?? '', 'base64').toString('utf8')),
      { pub: { allow: granted.publish.allow, deny: [] }, sub: { allow: granted.subscribe.allow, deny: [] } },
    );
    assert.equal(secret.metadata?.ownerReferences?.[0]?.name, 'alice');
    // and a Service for services that post to it
    const service = await kube.core.readNamespacedService({ name: 'alice-channel-telegram', namespace });
    assert.deepEqual(service.spec?.selector, deployment.spec?.selector.matchLabels);
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
    await eventually(
      'the channel Service to go',
      whenGone(() => kube.core.readNamespacedService({ name: 'alice-channel-telegram', namespace })),
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
