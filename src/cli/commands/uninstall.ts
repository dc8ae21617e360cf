// `k8sclaw uninstall`: removes K8sClaw cleanly. The controller and webhooks go first, so nothing is
// left waiting on them; then finalizers of our resources are released and the CRDs deleted (which
// deletes every custom resource); then the namespace and our cluster-scoped objects.
import { setTimeout as sleep } from 'node:timers/promises';
import { group, kinds, labelValues, labels } from '../../api/index.ts';
import { ignoreNotFound, isNotFound, retryThrottled, type KubeClient } from '../../kube/index.ts';
import { CliError } from '../cli-error.ts';
import { installNamespace } from '../install/manifests.ts';
import { checkClusterAccess, uninstallPermissions } from '../install/preflight.ts';
import type { Say } from './install.ts';

const ourLabel = `${labels.partOf}=${labelValues.partOf}`;
const managedByLabel = `${labels.managedBy}=${labelValues.managedBy}`;

/** Kinds the controller creates in users' namespaces, owned by K8sClaw resources. */
const derivedKinds = [
  { apiVersion: 'v1', kind: 'ConfigMap' },
  // each run's event bus credentials
  { apiVersion: 'v1', kind: 'Secret' },
  { apiVersion: 'batch/v1', kind: 'Job' },
  { apiVersion: 'apps/v1', kind: 'Deployment' },
  { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy' },
] as const;

interface ClusterKind {
  apiVersion: string;
  kind: string;
}

/** Cluster-scoped kinds the installer may create: webhooks go first, RBAC last. */
const webhookKinds: ClusterKind[] = [
  { apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingWebhookConfiguration' },
  { apiVersion: 'admissionregistration.k8s.io/v1', kind: 'MutatingWebhookConfiguration' },
];
const rbacKinds: ClusterKind[] = [
  { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding' },
  { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole' },
];

async function deleteLabelledClusterObjects(kube: KubeClient, kinds: ClusterKind[], say: Say): Promise<void> {
  for (const { apiVersion, kind } of kinds) {
    const list = await kube.objects.list(
      apiVersion,
      kind,
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
      ourLabel,
    );
    for (const item of list.items) {
      // list items of built-in kinds carry no kind/apiVersion: address them explicitly
      const name = item.metadata?.name ?? '';
      await ignoreNotFound(kube.objects.delete({ apiVersion, kind, metadata: { name } }));
      say(`  ✓ deleted ${kind.toLowerCase()}/${name}`);
    }
  }
}

async function waitUntilGone(
  what: string,
  exists: () => Promise<boolean>,
  timeoutMs: number,
  say: Say,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let announced = false;
  while (await exists()) {
    if (!announced) say(`  … waiting for ${what} to be deleted`);
    announced = true;
    if (Date.now() > deadline)
      throw new CliError('DeleteTimeout', `${what} still exists after ${Math.round(timeoutMs / 1000)}s`);
    await sleep(1_000);
  }
}

export async function runUninstall(
  kube: KubeClient,
  options: { timeoutMs?: number },
  say: Say,
): Promise<void> {
  await checkClusterAccess(kube, uninstallPermissions, 'uninstalling K8sClaw');
  const timeoutMs = options.timeoutMs ?? 300_000;
  say(`Uninstalling K8sClaw from ${kube.server}`);

  // 1. nothing may act on our resources while they go: the controller and the admission webhooks
  const controllers = await kube.apps
    .listNamespacedDeployment({ namespace: installNamespace, labelSelector: ourLabel })
    .catch((error: unknown) => (isNotFound(error) ? { items: [] } : Promise.reject(error)));
  for (const deployment of controllers.items) {
    await ignoreNotFound(
      kube.apps.deleteNamespacedDeployment({
        name: deployment.metadata?.name ?? '',
        namespace: installNamespace,
      }),
    );
    say(`  ✓ stopped deployment/${deployment.metadata?.name}`);
  }
  await deleteLabelledClusterObjects(kube, webhookKinds, say);

  // 2. release our finalizers (their controller is gone), then delete the CRDs and with them every
  // resource; all finalizers first, since a CRD deletion briefly makes the group's storage unavailable
  const present: { name: string; plural: string; count: number }[] = [];
  for (const kind of kinds) {
    const crdName = `${kind.plural}.${group}`;
    const exists = await kube.apiextensions.readCustomResourceDefinition({ name: crdName }).then(
      () => true,
      () => false,
    );
    if (!exists) continue;
    const list = await retryThrottled(() => kube.objects.list(`${group}/v1alpha1`, kind.kind));
    for (const item of list.items) {
      const finalizers = item.metadata?.finalizers ?? [];
      if (!finalizers.some((f) => f.startsWith(`${group}/`))) continue;
      await ignoreNotFound(
        kube.customObjects.patchNamespacedCustomObject({
          group,
          version: 'v1alpha1',
          plural: kind.plural,
          namespace: item.metadata?.namespace ?? '',
          name: item.metadata?.name ?? '',
          body: [
            {
              op: 'replace',
              path: '/metadata/finalizers',
              value: finalizers.filter((f) => !f.startsWith(`${group}/`)),
            },
          ],
        }),
      );
    }
    present.push({ name: crdName, plural: kind.plural, count: list.items.length });
  }
  for (const crd of present) {
    await ignoreNotFound(
      retryThrottled(() => kube.apiextensions.deleteCustomResourceDefinition({ name: crd.name })),
    );
    say(`  ✓ deleted customresourcedefinition/${crd.name} (${crd.count} ${crd.plural})`);
  }
  for (const crd of present) {
    await waitUntilGone(
      `customresourcedefinition/${crd.name}`,
      () =>
        kube.apiextensions.readCustomResourceDefinition({ name: crd.name }).then(
          () => true,
          () => false,
        ),
      timeoutMs,
      say,
    );
  }

  // the garbage collector removes what the controller made for those resources (ConfigMaps, Jobs …)
  for (const derived of derivedKinds) {
    await waitUntilGone(
      `${derived.kind} objects made by the controller`,
      async () =>
        (
          await retryThrottled(() =>
            kube.objects.list(
              derived.apiVersion,
              derived.kind,
              undefined,
              undefined,
              undefined,
              undefined,
              undefined,
              managedByLabel,
            ),
          )
        ).items.length > 0,
      timeoutMs,
      say,
    );
  }

  // 3. the namespace (and everything in it), then our cluster-scoped objects
  await ignoreNotFound(kube.core.deleteNamespace({ name: installNamespace }));
  await waitUntilGone(
    `namespace/${installNamespace}`,
    () =>
      kube.core.readNamespace({ name: installNamespace }).then(
        () => true,
        () => false,
      ),
    timeoutMs,
    say,
  );
  say(`  ✓ deleted namespace/${installNamespace}`);
  await deleteLabelledClusterObjects(kube, rbacKinds, say);
  say('K8sClaw is uninstalled.');
}
