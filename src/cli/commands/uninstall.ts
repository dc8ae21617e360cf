// `k8sclaw uninstall`: removes K8sClaw cleanly under any timing. The admission webhook
// configurations go first (they fail closed: with the webhook gone they would refuse every later
// write), then the controller and the other workloads, and uninstall waits until their pods are
// gone, so no replica is left that could add a finalizer back; then our finalizers are released and the CRDs deleted (which deletes every custom
// resource), releasing again whatever anything else (a controller run outside the cluster) adds
// meanwhile; then what the controller made for them (deleted here: the garbage collector cannot
// collect dependents whose owner's CRD is gone); then what install made for cert-manager, the
// namespace and our cluster-scoped objects. Every wait shares one deadline and,
// when it runs out, names the objects still there and what holds them.
import { setTimeout as sleep } from 'node:timers/promises';
import { group, kinds, labelValues, labels, type KindDescriptor } from '../../api/index.ts';
import { ignoreNotFound, isNotFound, retryThrottled, type KubeClient } from '../../kube/index.ts';
import { deleteCertManagerObjects } from '../install/cert-manager-cluster.ts';
import { describeRemaining, releaseOurFinalizers, type RemainingObject } from '../install/uninstall-plan.ts';
import { CliError } from '../cli-error.ts';
import { installNamespace } from '../install/manifests.ts';
import { checkClusterAccess, uninstallPermissions } from '../install/preflight.ts';
import type { Say } from './install.ts';

const ourLabel = `${labels.partOf}=${labelValues.partOf}`;
const managedByLabel = `${labels.managedBy}=${labelValues.managedBy}`;

/**
 * Kinds the controller creates in users' namespaces, owned by K8sClaw resources, and what the
 * garbage collector and the Job and Deployment controllers derive from them (they carry its labels).
 */
const derivedKinds = [
  { apiVersion: 'v1', kind: 'ConfigMap' },
  // each run's event bus credentials
  { apiVersion: 'v1', kind: 'Secret' },
  { apiVersion: 'batch/v1', kind: 'Job' },
  { apiVersion: 'apps/v1', kind: 'Deployment' },
  { apiVersion: 'apps/v1', kind: 'ReplicaSet' },
  { apiVersion: 'v1', kind: 'Pod' },
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
    for (const item of await listLabelled(kube, apiVersion, kind, ourLabel)) {
      // list items of built-in kinds carry no kind/apiVersion: address them explicitly
      const name = item.metadata?.name ?? '';
      await ignoreNotFound(kube.objects.delete({ apiVersion, kind, metadata: { name } }));
      say(`  ✓ deleted ${kind.toLowerCase()}/${name}`);
    }
  }
}

interface ListedObject {
  metadata?: {
    namespace?: string;
    name?: string;
    finalizers?: string[];
    deletionTimestamp?: unknown;
  };
}

function remainingOf(kind: string, items: readonly ListedObject[]): RemainingObject[] {
  return items.map((item) => ({
    kind,
    namespace: item.metadata?.namespace,
    name: item.metadata?.name ?? '',
    finalizers: item.metadata?.finalizers,
    deleting: item.metadata?.deletionTimestamp !== undefined,
  }));
}

async function listLabelled(
  kube: KubeClient,
  apiVersion: string,
  kind: string,
  labelSelector: string,
): Promise<ListedObject[]> {
  const list = await retryThrottled(() =>
    kube.objects.list(apiVersion, kind, undefined, undefined, undefined, undefined, undefined, labelSelector),
  );
  return list.items;
}

/**
 * Polls until `remaining()` is empty. `eachRound` runs before every look (releasing what something
 * else may have added since); past the deadline the error names what is left.
 */
async function waitUntilGone(
  what: string,
  remaining: () => Promise<RemainingObject[]>,
  deadline: number,
  timeoutMs: number,
  say: Say,
): Promise<void> {
  let announced = false;
  for (;;) {
    const left = await remaining();
    if (left.length === 0) return;
    if (!announced) say(`  … waiting for ${what} to be deleted`);
    announced = true;
    if (Date.now() > deadline) {
      throw new CliError(
        'DeleteTimeout',
        `${what} still exist after ${Math.round(timeoutMs / 1000)}s (${describeRemaining(left)})`,
      );
    }
    await sleep(1_000);
  }
}

function selectorOf(matchLabels: Record<string, string> | undefined): string {
  return Object.entries(matchLabels ?? {})
    .map(([key, value]) => `${key}=${value}`)
    .join(',');
}

/**
 * Stops every K8sClaw workload that acts on our resources (controller, webhooks, servers) and waits
 * until their pods are gone: a replica still terminating could add a finalizer back after it was
 * released, and then never complete it.
 */
async function stopWorkloads(kube: KubeClient, deadline: number, timeoutMs: number, say: Say): Promise<void> {
  const deployments = await kube.apps
    .listNamespacedDeployment({ namespace: installNamespace, labelSelector: ourLabel })
    .catch((error: unknown) => (isNotFound(error) ? { items: [] } : Promise.reject(error)));
  const podSelectors: string[] = [];
  for (const deployment of deployments.items) {
    const name = deployment.metadata?.name ?? '';
    // foreground: the ReplicaSet is marked deleted before its pods go, so it cannot replace them
    await ignoreNotFound(
      kube.apps.deleteNamespacedDeployment({
        name,
        namespace: installNamespace,
        propagationPolicy: 'Foreground',
      }),
    );
    const selector = selectorOf(deployment.spec?.selector.matchLabels);
    if (selector) podSelectors.push(selector);
    say(`  ✓ stopped deployment/${name}`);
  }
  await waitUntilGone(
    'the pods of K8sClaw workloads',
    async () => {
      const left: RemainingObject[] = [];
      for (const labelSelector of podSelectors) {
        const pods = await kube.core.listNamespacedPod({ namespace: installNamespace, labelSelector });
        left.push(...remainingOf('Pod', pods.items));
      }
      return left;
    },
    deadline,
    timeoutMs,
    say,
  );
}

/** Releases K8sClaw's finalizers on every object of a kind; returns the objects it saw. */
async function releaseFinalizers(kube: KubeClient, kind: KindDescriptor): Promise<RemainingObject[]> {
  const list = await retryThrottled(() => kube.objects.list(`${group}/v1alpha1`, kind.kind)).catch(
    (error: unknown) => (isNotFound(error) ? { items: [] } : Promise.reject(error)),
  );
  for (const item of list.items) {
    const remaining = releaseOurFinalizers(item.metadata?.finalizers);
    if (!remaining) continue;
    await ignoreNotFound(
      retryThrottled(() =>
        kube.customObjects.patchNamespacedCustomObject({
          group,
          version: 'v1alpha1',
          plural: kind.plural,
          namespace: item.metadata?.namespace ?? '',
          name: item.metadata?.name ?? '',
          body: [{ op: 'replace', path: '/metadata/finalizers', value: remaining }],
        }),
      ),
    );
  }
  return remainingOf(kind.kind, list.items);
}

const crdExists = (kube: KubeClient, name: string) =>
  kube.apiextensions.readCustomResourceDefinition({ name }).then(
    () => true,
    (error: unknown) => (isNotFound(error) ? false : Promise.reject(error)),
  );

export async function runUninstall(
  kube: KubeClient,
  options: { timeoutMs?: number },
  say: Say,
): Promise<void> {
  await checkClusterAccess(kube, uninstallPermissions, 'uninstalling K8sClaw');
  const timeoutMs = options.timeoutMs ?? 300_000;
  const deadline = Date.now() + timeoutMs;
  say(`Uninstalling K8sClaw from ${kube.server}`);

  // 1. the admission webhook configurations before anything else: they fail closed, so once the
  // webhook stops every later write (releasing a finalizer) would be refused while they exist;
  // then nothing of ours may act on our resources while they go: the workloads
  await deleteLabelledClusterObjects(kube, webhookKinds, say);
  await stopWorkloads(kube, deadline, timeoutMs, say);

  // 2. release our finalizers, then delete the CRDs and with them every resource; all finalizers
  // first, since a CRD deletion briefly makes the group's storage unavailable
  const present: { kind: KindDescriptor; crd: string; count: number }[] = [];
  for (const kind of kinds) {
    const crd = `${kind.plural}.${group}`;
    if (!(await crdExists(kube, crd))) continue;
    present.push({ kind, crd, count: (await releaseFinalizers(kube, kind)).length });
  }
  for (const { kind, crd, count } of present) {
    await ignoreNotFound(
      retryThrottled(() => kube.apiextensions.deleteCustomResourceDefinition({ name: crd })),
    );
    say(`  ✓ deleted customresourcedefinition/${crd} (${count} ${kind.plural})`);
  }
  // a CRD is gone once its objects are: keep releasing what anything outside our control adds back
  await waitUntilGone(
    'K8sClaw custom resources and their definitions',
    async () => {
      const left: RemainingObject[] = [];
      for (const { kind, crd } of present) {
        if (!(await crdExists(kube, crd))) continue;
        left.push(...(await releaseFinalizers(kube, kind)));
        left.push({ kind: 'CustomResourceDefinition', name: crd, deleting: true });
      }
      return left;
    },
    deadline,
    timeoutMs,
    say,
  );

  // what the controller made for those resources (ConfigMaps, Jobs …) is deleted here, not left to
  // the garbage collector: it cannot tell that an owner is gone once the owner's CRD is, and keeps
  // such dependents for ever
  await waitUntilGone(
    'objects made by the controller',
    async () => {
      const left: RemainingObject[] = [];
      for (const derived of derivedKinds) {
        const items = await listLabelled(kube, derived.apiVersion, derived.kind, managedByLabel);
        for (const item of items) {
          if (item.metadata?.deletionTimestamp !== undefined) continue;
          await ignoreNotFound(
            kube.objects.delete(
              {
                apiVersion: derived.apiVersion,
                kind: derived.kind,
                metadata: { name: item.metadata?.name ?? '', namespace: item.metadata?.namespace ?? '' },
              },
              undefined,
              undefined,
              undefined,
              undefined,
              'Background',
            ),
          );
        }
        left.push(...remainingOf(derived.kind, items));
      }
      return left;
    },
    deadline,
    timeoutMs,
    say,
  );

  // 3. the Certificates, Issuers and Secrets install made for cert-manager, where it keeps the
  // webhook's certificates (the namespace would take them too; deleted first, they are named in the
  // output), then the namespace (and everything in it), then our cluster-scoped objects
  for (const deleted of await deleteCertManagerObjects(kube, installNamespace)) say(`  ✓ deleted ${deleted}`);
  await ignoreNotFound(kube.core.deleteNamespace({ name: installNamespace }));
  await waitUntilGone(
    `namespace/${installNamespace}`,
    async () => {
      const namespace = await kube.core
        .readNamespace({ name: installNamespace })
        .catch((error: unknown) => (isNotFound(error) ? undefined : Promise.reject(error)));
      if (!namespace) return [];
      const pods = await kube.core.listNamespacedPod({ namespace: installNamespace });
      return [...remainingOf('Namespace', [namespace]), ...remainingOf('Pod', pods.items)];
    },
    deadline,
    timeoutMs,
    say,
  );
  say(`  ✓ deleted namespace/${installNamespace}`);
  await deleteLabelledClusterObjects(kube, rbacKinds, say);
  say('K8sClaw is uninstalled.');
}
