// Proves the integration control plane is a real Kubernetes API: CRDs with schema validation,
// RBAC that refuses an unprivileged ServiceAccount, and a controller-manager that acts on Jobs.
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readFileSync } from 'node:fs';
import { KubeApiError, KubeClient, isForbidden, toKubeError } from '../../../src/kube/index.ts';
import { integrationKubeClient, integrationKubeconfigPath } from '../../harness/integration.ts';
import { eventually } from '../../harness/eventually.ts';
import { buildTokenKubeconfigFrom } from '../../harness/kubeconfig.ts';
import { createTestNamespace, deleteTestNamespace } from '../../harness/test-namespace.ts';

describe('integration control plane', () => {
  const kube = integrationKubeClient();
  let namespace = '';
  before(async () => {
    namespace = await createTestNamespace(kube, 'control-plane', { waitForDefaultServiceAccount: true });
  });
  after(async () => {
    await deleteTestNamespace(kube, namespace);
  });

  it('lets the admin create a CRD and a custom object, and validates it against the schema', async () => {
    const group = `${namespace}.test.k8sclaw.io`;
    const crdName = `widgets.${group}`;
    await kube.apiextensions.createCustomResourceDefinition({
      body: {
        metadata: { name: crdName },
        spec: {
          group,
          names: { plural: 'widgets', singular: 'widget', kind: 'Widget' },
          scope: 'Namespaced',
          versions: [
            {
              name: 'v1',
              served: true,
              storage: true,
              schema: {
                openAPIV3Schema: {
                  type: 'object',
                  properties: {
                    spec: {
                      type: 'object',
                      required: ['size'],
                      properties: { size: { type: 'integer', minimum: 1 } },
                    },
                  },
                },
              },
            },
          ],
        },
      },
    });
    try {
      await eventually('the CRD to be Established', async () => {
        const crd = await kube.apiextensions.readCustomResourceDefinition({ name: crdName });
        return crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True')
          ? true
          : undefined;
      });
      const body = {
        apiVersion: `${group}/v1`,
        kind: 'Widget',
        metadata: { name: 'w1', namespace },
        spec: { size: 3 },
      };
      await eventually('the custom resource endpoint', async () =>
        kube.customObjects.createNamespacedCustomObject({
          group,
          version: 'v1',
          namespace,
          plural: 'widgets',
          body,
        }),
      );
      const read = (await kube.customObjects.getNamespacedCustomObject({
        group,
        version: 'v1',
        namespace,
        plural: 'widgets',
        name: 'w1',
      })) as { spec: { size: number } };
      assert.equal(read.spec.size, 3);

      const invalid = { ...body, metadata: { name: 'w2', namespace }, spec: { size: 0 } };
      const rejection = await kube.customObjects
        .createNamespacedCustomObject({ group, version: 'v1', namespace, plural: 'widgets', body: invalid })
        .then(
          () => undefined,
          (error: unknown) => toKubeError(error),
        );
      assert.ok(rejection instanceof KubeApiError, 'an invalid object must be rejected');
      assert.equal(rejection.status, 422);
      assert.match(rejection.message, /spec\.size/);
    } finally {
      await kube.apiextensions.deleteCustomResourceDefinition({ name: crdName });
    }
  });

  it('refuses an RBAC-limited ServiceAccount and admits it once a Role grants the verb', async () => {
    await kube.core.createNamespacedServiceAccount({ namespace, body: { metadata: { name: 'limited' } } });
    const tokenRequest = await kube.core.createNamespacedServiceAccountToken({
      name: 'limited',
      namespace,
      body: { spec: { audiences: [], expirationSeconds: 600 } },
    });
    const token = tokenRequest.status?.token;
    assert.ok(token, 'the TokenRequest API must issue a token');
    const file = path.join(os.tmpdir(), `${namespace}-limited.kubeconfig`);
    await writeFile(
      file,
      buildTokenKubeconfigFrom(readFileSync(integrationKubeconfigPath(), 'utf8'), 'limited', token),
    );
    const limited = KubeClient.fromKubeconfigFile(file);

    const review = await limited.authentication.createSelfSubjectReview({ body: {} });
    assert.equal(review.status?.userInfo?.username, `system:serviceaccount:${namespace}:limited`);

    const refusal = await limited.core.listNamespacedSecret({ namespace }).then(
      () => undefined,
      (error: unknown) => error,
    );
    assert.ok(isForbidden(refusal), 'listing secrets without a Role must be forbidden');

    await kube.rbac.createNamespacedRole({
      namespace,
      body: {
        metadata: { name: 'read-secrets' },
        rules: [{ apiGroups: [''], resources: ['secrets'], verbs: ['list'] }],
      },
    });
    await kube.rbac.createNamespacedRoleBinding({
      namespace,
      body: {
        metadata: { name: 'limited-reads-secrets' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'read-secrets' },
        subjects: [{ kind: 'ServiceAccount', name: 'limited', namespace }],
      },
    });
    const list = await eventually('the RoleBinding to take effect', async () =>
      limited.core.listNamespacedSecret({ namespace }),
    );
    assert.ok(Array.isArray(list.items));
    const otherNamespace = await limited.core.listNamespacedSecret({ namespace: 'kube-system' }).then(
      () => undefined,
      (error: unknown) => error,
    );
    assert.ok(isForbidden(otherNamespace), 'the Role must not reach other namespaces');
  });

  it('runs the controller-manager: a Job gets a Pod and ownerReferences are garbage-collected', async () => {
    await kube.batch.createNamespacedJob({
      namespace,
      body: {
        metadata: { name: 'hello' },
        spec: {
          backoffLimit: 0,
          template: {
            spec: {
              restartPolicy: 'Never',
              containers: [
                { name: 'main', image: 'localhost/k8sclaw/never-runs:0', imagePullPolicy: 'Never' },
              ],
            },
          },
        },
      },
    });
    const pod = await eventually('the Job controller to create a Pod', async () => {
      const pods = await kube.core.listNamespacedPod({ namespace, labelSelector: 'job-name=hello' });
      return pods.items[0];
    });
    assert.equal(pod.metadata?.ownerReferences?.[0]?.kind, 'Job');

    await kube.batch.deleteNamespacedJob({ name: 'hello', namespace, propagationPolicy: 'Background' });
    await eventually('the garbage collector to delete the Job’s Pod', async () => {
      const pods = await kube.core.listNamespacedPod({ namespace, labelSelector: 'job-name=hello' });
      return pods.items.length === 0 ? true : undefined;
    });
  });
});
