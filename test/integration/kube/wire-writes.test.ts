// KubeClient.apply and create send wire-format JSON straight to the apiserver: fields whose wire
// names differ from the library's model names arrive intact, errors keep the apiserver's reason and
// message, dry runs persist nothing, and field managers are recorded.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  KubeApiError,
  isAlreadyExists,
  isConflict,
  isNotFound,
  undefinedIfNotFound,
  type KubernetesObject,
  type V1CustomResourceDefinition,
} from '../../../src/kube/index.ts';
import { eventually } from '../../harness/eventually.ts';
import { integrationKubeClient } from '../../harness/integration.ts';
import { createTestNamespace, deleteTestNamespace } from '../../harness/test-namespace.ts';

describe('KubeClient wire-format writes on a real apiserver', () => {
  const kube = integrationKubeClient();
  let namespace = '';
  const crdName = 'gadgets.wire-writes.test.k8sclaw.io';
  before(async () => {
    namespace = await createTestNamespace(kube, 'wire-writes');
  });
  after(async () => {
    await kube.apiextensions.deleteCustomResourceDefinition({ name: crdName }).catch(() => undefined);
    await deleteTestNamespace(kube, namespace);
  });

  it('applies a CRD whose schema uses wire-only names (x-kubernetes-validations) intact', async () => {
    const crd: V1CustomResourceDefinition = {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: crdName },
      spec: {
        group: 'wire-writes.test.k8sclaw.io',
        scope: 'Namespaced',
        names: { plural: 'gadgets', singular: 'gadget', kind: 'Gadget' },
        versions: [
          {
            name: 'v1',
            served: true,
            storage: true,
            subresources: { status: {} },
            schema: {
              openAPIV3Schema: {
                type: 'object',
                properties: {
                  spec: {
                    type: 'object',
                    'x-kubernetes-validations': [{ rule: 'self.size > 0', message: 'size must be positive' }],
                    properties: { size: { type: 'integer' } },
                  },
                  status: { type: 'object', properties: { phase: { type: 'string' } } },
                },
              },
            },
          },
        ],
      },
    } as never;
    const applied = await kube.apply(crd, 'wire-writes-test');
    const schema = applied.spec.versions[0]?.schema?.openAPIV3Schema?.properties?.spec as Record<
      string,
      unknown
    >;
    assert.deepEqual(schema['x-kubernetes-validations'], [
      { rule: 'self.size > 0', message: 'size must be positive' },
    ]);
    assert.ok(applied.metadata?.managedFields?.some((f) => f.manager === 'wire-writes-test'));
  });

  it('applies a custom object’s status subresource; a stale resourceVersion is a Conflict', async () => {
    const resource = { group: 'wire-writes.test.k8sclaw.io', version: 'v1', plural: 'gadgets' };
    const gadget = {
      apiVersion: 'wire-writes.test.k8sclaw.io/v1',
      kind: 'Gadget',
      metadata: { name: 'one', namespace },
      spec: { size: 1 },
    };
    const created: KubernetesObject = await eventually('the Gadget kind to be served', () =>
      kube.create(gadget),
    );
    const stored = await kube.applyStatus(
      resource,
      { ...gadget, spec: undefined, status: { phase: 'Ready' } },
      'wire-writes-test',
    );
    assert.deepEqual((stored as { status?: unknown }).status, { phase: 'Ready' });
    const stale = {
      ...gadget,
      metadata: { ...gadget.metadata, resourceVersion: created.metadata?.resourceVersion },
    };
    await assert.rejects(
      kube.applyStatus(resource, { ...stale, status: { phase: 'Gone' } }, 'wire-writes-test'),
      (error: unknown) => isConflict(error),
    );
  });

  it('creates once: a second create is AlreadyExists, and a dry run persists nothing', async () => {
    const configMap = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'created', namespace },
      data: { k: 'v' },
    };
    const dry = await kube.apply({ ...configMap, metadata: { name: 'dry', namespace } }, 'wire-writes-test', {
      dryRun: true,
    });
    assert.equal(dry.metadata?.name, 'dry');
    assert.equal(
      await undefinedIfNotFound(kube.core.readNamespacedConfigMap({ name: 'dry', namespace })),
      undefined,
    );
    const created = await kube.create(configMap, 'wire-writes-test');
    assert.ok(created.metadata && 'uid' in created.metadata && created.metadata.uid);
    await assert.rejects(kube.create(configMap), (error: unknown) => isAlreadyExists(error));
    const read = await kube.core.readNamespacedConfigMap({ name: 'created', namespace });
    assert.deepEqual(read.data, { k: 'v' });
  });

  it('answers a refused write with the apiserver’s reason and the field it names', async () => {
    const bad = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'Not_A_Name', namespace } };
    await assert.rejects(kube.create(bad), (error: unknown) => {
      assert.ok(error instanceof KubeApiError);
      assert.equal(error.status, 422);
      assert.equal(error.reason, 'Invalid');
      assert.match(error.message, /metadata\.name/);
      return true;
    });
    const inMissingNamespace = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'x', namespace: `${namespace}-absent` },
    };
    await assert.rejects(kube.create(inMissingNamespace), (error: unknown) => isNotFound(error));
  });
});
