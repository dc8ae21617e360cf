// The controller manager binary against the real apiserver: two replicas, one leader; the leader
// keeps ClawPolicy status current as instances bind and unbind; when the leader is killed the
// standby takes over and keeps reconciling.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { apiVersion, type ClawPolicy } from '../../../src/api/index.ts';
import { startControllerProcess, type ControllerProcess } from '../../harness/controller-process.ts';
import { installCrds } from '../../harness/crds.ts';
import { eventually } from '../../harness/eventually.ts';
import { integrationKubeClient, integrationKubeconfigPath } from '../../harness/integration.ts';
import { createTestNamespace, deleteTestNamespace } from '../../harness/test-namespace.ts';

const group = { group: 'k8sclaw.io', version: 'v1alpha1' };

describe('controller manager: ClawPolicy status and leader election', () => {
  const kube = integrationKubeClient();
  let namespace = '';
  let replicas: ControllerProcess[] = [];
  before(async () => {
    await installCrds(kube);
    namespace = await createTestNamespace(kube, 'controller-policy');
    replicas = await Promise.all(
      ['replica-a', 'replica-b'].map((identity) =>
        startControllerProcess({ kubeconfig: integrationKubeconfigPath(), namespace, identity }),
      ),
    );
  });
  after(async () => {
    await Promise.all(replicas.map((r) => r.stop()));
    await deleteTestNamespace(kube, namespace);
  });

  const instance = (name: string, policyRef?: string) => ({
    apiVersion,
    kind: 'ClawInstance',
    metadata: { name, namespace },
    spec: {
      agents: { default: { provider: 'ollama', model: 'llama3' } },
      ...(policyRef ? { policyRef } : {}),
    },
  });
  const readPolicy = async () =>
    (await kube.customObjects.getNamespacedCustomObject({
      ...group,
      namespace,
      plural: 'clawpolicies',
      name: 'strict',
    })) as ClawPolicy;
  const leaders = async () =>
    (await Promise.all(replicas.map(async (r) => ((await r.isLeader()) ? r : undefined)))).filter(
      (r) => r !== undefined,
    );

  it('runs exactly one leader', async () => {
    const found = await eventually('a leader', async () =>
      (await leaders()).length > 0 ? leaders() : undefined,
    );
    assert.equal(found.length, 1);
  });

  it('counts the instances bound to a policy and follows changes', async () => {
    const create = (plural: string, body: object) =>
      kube.customObjects.createNamespacedCustomObject({ ...group, namespace, plural, body });
    await create('clawpolicies', {
      apiVersion,
      kind: 'ClawPolicy',
      metadata: { name: 'strict', namespace },
      spec: {},
    });
    await create('clawinstances', instance('alice', 'strict'));
    await create('clawinstances', instance('bob', 'strict'));
    await create('clawinstances', instance('carol'));
    const bound = await eventually('two bound instances', async () => {
      const policy = await readPolicy();
      return policy.status?.boundInstances === 2 ? policy : undefined;
    });
    assert.deepEqual(bound.status?.boundInstanceNames, ['alice', 'bob']);
    assert.equal(bound.status?.observedGeneration, 1);
    assert.equal(bound.status?.conditions?.find((c) => c.type === 'Ready')?.status, 'True');

    await kube.customObjects.deleteNamespacedCustomObject({
      ...group,
      namespace,
      plural: 'clawinstances',
      name: 'bob',
    });
    await eventually('one bound instance', async () =>
      (await readPolicy()).status?.boundInstances === 1 ? true : undefined,
    );
  });

  it('fails over when the leader dies, and the new leader keeps reconciling', async () => {
    const [leader] = await leaders();
    assert.ok(leader);
    leader.kill();
    const standby = replicas.find((r) => r !== leader);
    assert.ok(standby);
    await eventually(
      'the standby to lead',
      async () => ((await standby.isLeader()) ? true : undefined),
      20_000,
    );
    await kube.customObjects.createNamespacedCustomObject({
      ...group,
      namespace,
      plural: 'clawinstances',
      body: instance('dave', 'strict'),
    });
    const policy = await eventually('the new leader to count dave', async () => {
      const current = await readPolicy();
      return current.status?.boundInstances === 2 ? current : undefined;
    });
    assert.deepEqual(policy.status?.boundInstanceNames, ['alice', 'dave']);
  });
});
