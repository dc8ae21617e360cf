// `k8sclaw install --profile local` on the local cluster: everything comes up, the category and
// samples work, the admission webhook serves with certificates it made itself and refuses what the
// policy forbids, a second install changes nothing, and install → uninstall → install leaves nothing
// behind (every namespaced and cluster-scoped object with our label is checked), also when
// instances and runs are still being created while it runs.
import assert from 'node:assert/strict';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { X509Certificate } from 'node:crypto';
import type { ClawInstance } from '../../src/api/index.ts';
import { toKubeError } from '../../src/kube/index.ts';
import { generateCertificateAuthority } from '../../src/webhook/index.ts';
import { instanceFixture, runFixture } from '../fixtures/k8sclaw-objects.ts';
import { repoRoot } from '../harness/binaries.ts';
import { runCli } from '../harness/cli.ts';
import { e2eKubeClient } from '../harness/e2e.ts';
import { eventually } from '../harness/eventually.ts';
import { kubectl } from '../harness/kubectl.ts';
import { listLabelledObjects, type LabelledObject } from '../harness/labelled-objects.ts';
import { createTestNamespace, deleteTestNamespace } from '../harness/test-namespace.ts';

const kubeconfig = process.env.KUBECONFIG ?? '';
const k8sclawGroup = { group: 'k8sclaw.io', version: 'v1alpha1' };

/**
 * Kinds the installer applies (in k8sclaw-system or cluster-wide); everything else with our label
 * is made by controllers, from these or from users' resources.
 */
const appliedKinds = new Set([
  'Namespace',
  'CustomResourceDefinition',
  'ConfigMap',
  'Service',
  'StatefulSet',
  'Deployment',
  'PodDisruptionBudget',
  'HorizontalPodAutoscaler',
  'NetworkPolicy',
  'ServiceAccount',
  'ClusterRole',
  'ClusterRoleBinding',
  'Role',
  'RoleBinding',
  'ValidatingWebhookConfiguration',
  'MutatingWebhookConfiguration',
]);

describe('k8sclaw install / uninstall on the local cluster', () => {
  const kube = e2eKubeClient();
  let namespace = '';
  let installedObjects: LabelledObject[] = [];
  before(async () => {
    namespace = await createTestNamespace(kube, 'install');
  });
  after(async () => {
    await deleteTestNamespace(kube, namespace);
    await runCli(['uninstall']);
  });

  it('installs with visible progress and waits until NATS JetStream is ready', async () => {
    const result = await runCli(['install', '--profile', 'local']);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /✓ customresourcedefinition\/agentruns\.k8sclaw\.io/);
    assert.match(result.stdout, /✓ statefulset\/k8sclaw-system\/k8sclaw-nats/);
    assert.match(result.stdout, /K8sClaw 0\.1\.0 is installed/);
    const nats = await kube.apps.readNamespacedStatefulSet({
      name: 'k8sclaw-nats',
      namespace: 'k8sclaw-system',
    });
    assert.equal(nats.status?.readyReplicas, 1);
    assert.equal(nats.spec?.template.spec?.containers[0]?.image, 'localhost/k8sclaw/nats:2.12.15');
    installedObjects = await listLabelledObjects(kubeconfig);
    assert.ok(installedObjects.some((o) => o.id === 'CustomResourceDefinition//clawinstances.k8sclaw.io'));
  });

  it('serves the k8sclaw category and accepts the samples', async () => {
    await kubectl(kubeconfig, 'get', 'k8sclaw', '--all-namespaces');
    await kubectl(kubeconfig, 'apply', '-n', namespace, '-f', path.join(repoRoot, 'config', 'samples'));
    const names = (await kubectl(kubeconfig, 'get', 'k8sclaw', '-n', namespace, '-o', 'name'))
      .trim()
      .split('\n');
    assert.equal(names.length, 5);
    const header = (await kubectl(kubeconfig, 'get', 'ar', '-n', namespace))
      .split('\n')[0]
      ?.trim()
      .split(/\s{2,}/);
    assert.deepEqual(header, ['NAME', 'INSTANCE', 'PHASE', 'POD', 'DURATION', 'AGE', 'PARENT']);
  });

  it('runs the controller (two replicas, one leader) with RBAC enough to reconcile the samples', async () => {
    const deployment = await kube.apps.readNamespacedDeployment({
      name: 'k8sclaw-controller',
      namespace: 'k8sclaw-system',
    });
    assert.equal(deployment.status?.readyReplicas, 2);
    const policyStatus = await eventually('the sample policy to count its instance', async () => {
      const policy = (await kube.customObjects.getNamespacedCustomObject({
        group: 'k8sclaw.io',
        version: 'v1alpha1',
        namespace,
        plural: 'clawpolicies',
        name: 'default-policy',
      })) as { status?: { boundInstances?: number; boundInstanceNames?: string[] } };
      return policy.status?.boundInstances === 1 ? policy.status : undefined;
    });
    assert.deepEqual(policyStatus.boundInstanceNames, ['alice']);
  });

  it('runs the admission webhook (two replicas, its own certificates) and refuses a run its policy forbids', async () => {
    const deployment = await kube.apps.readNamespacedDeployment({
      name: 'k8sclaw-webhook',
      namespace: 'k8sclaw-system',
    });
    assert.equal(deployment.status?.readyReplicas, 2);
    const secret = await kube.core.readNamespacedSecret({
      name: 'k8sclaw-webhook-tls',
      namespace: 'k8sclaw-system',
    });
    const decode = (value: string | undefined) => Buffer.from(value ?? '', 'base64').toString('utf8');
    const ca = new X509Certificate(decode(secret.data?.['ca.crt']));
    const serving = new X509Certificate(decode(secret.data?.['tls.crt']));
    assert.ok(serving.checkIssued(ca));
    assert.equal(
      serving.checkHost('k8sclaw-webhook.k8sclaw-system.svc'),
      'k8sclaw-webhook.k8sclaw-system.svc',
    );
    const validating = await kube.admissionRegistration.readValidatingWebhookConfiguration({
      name: 'k8sclaw-webhook',
    });
    const mutating = await kube.admissionRegistration.readMutatingWebhookConfiguration({
      name: 'k8sclaw-webhook',
    });
    for (const webhook of [...(validating.webhooks ?? []), ...(mutating.webhooks ?? [])]) {
      assert.equal(webhook.failurePolicy, 'Fail');
      assert.ok(decode(webhook.clientConfig.caBundle).includes(decode(secret.data?.['ca.crt']).trim()));
    }

    // the sample policy denies fetch_url to alice's runs (by its rule and its feature gates)
    const refusal = await kube.customObjects
      .createNamespacedCustomObject({
        ...k8sclawGroup,
        namespace,
        plural: 'agentruns',
        body: runFixture((o) => {
          o.metadata = { name: 'fetches', namespace };
          o.spec.instanceRef = 'alice';
          o.spec.toolPolicy = { allow: ['fetch_url'] };
        }),
      })
      .then(
        () => undefined,
        (error: unknown) => {
          const normalised = toKubeError(error);
          return normalised instanceof Error ? normalised.message : String(normalised);
        },
      );
    assert.ok(refusal, 'the run was created');
    assert.match(refusal, /admission webhook "validate\.admission\.k8sclaw\.io" denied the request/);
    assert.match(
      refusal,
      /AgentRun fetches is refused: spec\.toolPolicy\.allow lists fetch_url, .*ClawPolicy default-policy/,
    );
  });

  it('hands leadership to the standby when the leader pod goes away', async () => {
    const lease = await kube.coordination.readNamespacedLease({
      name: 'k8sclaw-controller',
      namespace: 'k8sclaw-system',
    });
    const leader = lease.spec?.holderIdentity ?? '';
    assert.match(leader, /^k8sclaw-controller-/);
    await kube.core.deleteNamespacedPod({ name: leader, namespace: 'k8sclaw-system' });
    const newLeader = await eventually(
      'another replica to hold the Lease',
      async () => {
        const current = await kube.coordination.readNamespacedLease({
          name: 'k8sclaw-controller',
          namespace: 'k8sclaw-system',
        });
        const holder = current.spec?.holderIdentity ?? '';
        return holder && holder !== leader ? holder : undefined;
      },
      60_000,
      500,
    );
    assert.notEqual(newLeader, leader);
  });

  it('changes nothing when installed a second time', async () => {
    // the objects the installer applies, at the spec version they had after the first install; an
    // autoscaler has no generation, and its controller writes its status (a new resourceVersion)
    // whenever it likes, so its spec is compared instead
    const applied = (objects: LabelledObject[]) =>
      objects
        .filter((o) => appliedKinds.has(o.kind) && /^[A-Za-z]+\/(k8sclaw-system)?\//.test(o.id))
        .map((o) => (o.kind === 'HorizontalPodAutoscaler' ? { ...o, specVersion: 'spec compared' } : o));
    const autoscaler = {
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: 'k8sclaw-apiserver', namespace: 'k8sclaw-system' },
    };
    const specOf = async () => ((await kube.objects.read(autoscaler)) as { spec?: unknown }).spec;
    const autoscalerSpec = await specOf();
    const result = await runCli(['install', '--profile', 'local']);
    assert.equal(result.code, 0, result.stderr);
    const after = applied(await listLabelledObjects(kubeconfig));
    assert.equal(after.length, 37);
    assert.deepEqual(after, applied(installedObjects));
    assert.deepEqual(await specOf(), autoscalerSpec);
  });

  it('puts back a caBundle and a serving certificate that were changed, with its own rights', async () => {
    const decode = (value: string | undefined) => Buffer.from(value ?? '', 'base64').toString('utf8');
    const readSecret = () =>
      kube.core.readNamespacedSecret({ name: 'k8sclaw-webhook-tls', namespace: 'k8sclaw-system' });
    const before = await readSecret();
    const foreignCa = await generateCertificateAuthority({ validityMs: 24 * 60 * 60 * 1000 });
    await kube.admissionRegistration.patchValidatingWebhookConfiguration({
      name: 'k8sclaw-webhook',
      body: [
        {
          op: 'replace',
          path: '/webhooks/0/clientConfig/caBundle',
          value: Buffer.from(foreignCa.certPem).toString('base64'),
        },
      ],
    });
    await kube.core.patchNamespacedSecret({
      name: 'k8sclaw-webhook-tls',
      namespace: 'k8sclaw-system',
      body: [{ op: 'remove', path: '/data/tls.crt' }],
    });
    // the replicas look every minute
    const renewed = await eventually(
      'a new serving certificate in the Secret',
      async () => {
        const secret = await readSecret();
        return secret.data?.['tls.crt'] ? secret : undefined;
      },
      90_000,
      1_000,
    );
    assert.notEqual(renewed.data?.['tls.crt'], before.data?.['tls.crt']);
    assert.equal(renewed.data?.['ca.crt'], before.data?.['ca.crt']);
    await eventually(
      'the CA back in the caBundle',
      async () => {
        const validating = await kube.admissionRegistration.readValidatingWebhookConfiguration({
          name: 'k8sclaw-webhook',
        });
        const bundle = decode(validating.webhooks?.[0]?.clientConfig.caBundle);
        return bundle.includes(decode(renewed.data?.['ca.crt']).trim()) ? true : undefined;
      },
      90_000,
      1_000,
    );
    // and the apiserver calls it again
    await eventually('a create judged by the webhook', async () => {
      const message = await kube.customObjects
        .createNamespacedCustomObject({
          ...k8sclawGroup,
          namespace,
          plural: 'agentruns',
          dryRun: 'All',
          body: runFixture((o) => {
            o.metadata = { name: 'fetches-again', namespace };
            o.spec.instanceRef = 'alice';
            o.spec.toolPolicy = { allow: ['fetch_url'] };
          }),
        })
        .then(
          () => 'admitted',
          (error: unknown) => String((toKubeError(error) as Error).message),
        );
      return /denied the request: AgentRun fetches-again is refused/.test(message) ? true : undefined;
    });
  });

  it('uninstalls cleanly, custom resources included, and installs again from nothing', async () => {
    const removed = await runCli(['uninstall']);
    assert.equal(removed.code, 0, removed.stderr);
    // the webhook configurations go before anything else: they fail closed
    const lines = removed.stdout.split('\n');
    const firstChange = lines.findIndex((line) => line.includes('✓'));
    assert.match(lines[firstChange] ?? '', /deleted validatingwebhookconfiguration\/k8sclaw-webhook/);
    assert.match(lines[firstChange + 1] ?? '', /deleted mutatingwebhookconfiguration\/k8sclaw-webhook/);
    assert.deepEqual(await listLabelledObjects(kubeconfig), []);
    assert.equal(
      (await kube.core.listNamespace()).items.some((n) => n.metadata?.name === 'k8sclaw-system'),
      false,
    );
    const crds = await kube.apiextensions.listCustomResourceDefinition();
    assert.equal(
      crds.items.some((c) => c.spec.group === 'k8sclaw.io'),
      false,
    );

    const again = await runCli(['install', '--profile', 'local']);
    assert.equal(again.code, 0, again.stderr);
    const reinstalled = await listLabelledObjects(kubeconfig);
    // applied objects by identity; objects controllers derive from them (pods, revisions, slices) by kind
    const kindsAndNames = (objects: LabelledObject[]) =>
      objects.map((o) => (appliedKinds.has(o.kind) ? o.id : o.kind)).sort();
    assert.deepEqual(kindsAndNames(reinstalled), kindsAndNames(installedObjects));
  });

  it('uninstalls while instances and runs are being created and a stray replica re-adds finalizers', async () => {
    // a writer creates instances and runs for them until the API refuses (the CRDs are going)
    const created = { instances: 0, runs: 0 };
    let stopped = false;
    const create = async (plural: string, body: object) =>
      await kube.customObjects.createNamespacedCustomObject({ ...k8sclawGroup, namespace, plural, body });
    const churn = (async () => {
      for (let i = 0; i < 200 && !stopped; i++) {
        try {
          const instance = instanceFixture((o) => {
            o.metadata = { name: `churn-${i}`, namespace };
          });
          await create('clawinstances', instance);
          created.instances++;
          for (let r = 0; r < 2; r++) {
            await create(
              'agentruns',
              runFixture((o) => {
                o.metadata = { name: `churn-${i}-${r}`, namespace };
                o.spec.instanceRef = `churn-${i}`;
              }),
            );
            created.runs++;
          }
        } catch {
          return;
        }
        await sleep(100);
      }
    })();
    // a controller replica uninstall cannot stop (one run outside the cluster) keeps putting the
    // instance finalizer back on every instance, as long as the API lets it, and then goes away
    // without completing any: whatever it added, uninstall must release
    const strayReplica = (async () => {
      for (let round = 0; round < 3000 && !stopped; round++) {
        const names = Array.from({ length: created.instances }, (_, i) => `churn-${i}`);
        await Promise.all(
          names.map((name) =>
            kube.customObjects
              .patchNamespacedCustomObject({
                ...k8sclawGroup,
                namespace,
                plural: 'clawinstances',
                name,
                body: [{ op: 'add', path: '/metadata/finalizers', value: ['k8sclaw.io/instance-cleanup'] }],
              })
              .catch(() => undefined),
          ),
        );
        await sleep(50);
      }
    })();
    // uninstall starts once the controller has put its finalizer on some of them
    await eventually(
      'the controller to hold finalizers on new instances',
      async () => {
        const list = (await kube.customObjects.listNamespacedCustomObject({
          ...k8sclawGroup,
          namespace,
          plural: 'clawinstances',
        })) as { items: ClawInstance[] };
        return list.items.filter((i) => i.metadata.finalizers?.length).length >= 3 ? true : undefined;
      },
      60_000,
      200,
    );
    const removal = await runCli(['uninstall', '--timeout', '240']);
    stopped = true;
    await Promise.all([churn, strayReplica]);
    assert.equal(removal.code, 0, `${removal.stderr}\n${removal.stdout}`);
    assert.ok(created.instances >= 3 && created.runs >= 6, JSON.stringify(created));
    assert.deepEqual(await listLabelledObjects(kubeconfig), []);
    const crds = await kube.apiextensions.listCustomResourceDefinition();
    assert.equal(
      crds.items.some((c) => c.spec.group === 'k8sclaw.io'),
      false,
    );
  });
});
