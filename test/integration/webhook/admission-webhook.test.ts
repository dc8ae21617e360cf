// The admission webhook as the kube-apiserver calls it: the webhook binary runs on loopback with a
// certificate from the webhook's own certificate code, a Validating- and a
// MutatingWebhookConfiguration (matching only this file's namespace, so other test files sharing the
// control plane are untouched) send it AgentRun and ClawSchedule writes; refusals reach the
// requester as the rules' sentences, and a required sandbox is added to the stored run. With the
// webhook stopped, creates are refused: admission fails closed.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  clawInstanceKind,
  clawPolicyKind,
  skillPackKind,
  resourceOf,
  agentRunKind,
  clawScheduleKind,
  apiVersion,
  type AgentRun,
} from '../../../src/api/index.ts';
import { KubeClient } from '../../../src/kube/index.ts';
import { installCrds } from '../../harness/crds.ts';
import { eventually } from '../../harness/eventually.ts';
import { integrationKubeClient, integrationKubeconfigPath } from '../../harness/integration.ts';
import { buildTokenKubeconfigFrom } from '../../harness/kubeconfig.ts';
import { createTestNamespace, deleteTestNamespace } from '../../harness/test-namespace.ts';
import {
  buildTestWebhookConfiguration,
  deleteTestWebhookConfigurations,
} from '../../harness/webhook-configurations.ts';
import { createPolicyWithInstance, createStrictTenant, refusalOf } from '../../harness/webhook-tenant.ts';
import { startWebhookProcess, type WebhookProcess } from '../../harness/webhook-process.ts';
import { instanceManifest, runManifest } from '../../fixtures/k8sclaw-objects.ts';

const webhookName = 'validate.admission.k8sclaw.io';

function createRun(kube: KubeClient, namespace: string, body: object, dryRun = false) {
  return kube.customObjects.createNamespacedCustomObject({
    ...resourceOf(agentRunKind),
    namespace,
    body,
    ...(dryRun ? { dryRun: 'All' } : {}),
  });
}

function createSchedule(kube: KubeClient, namespace: string, name: string, timeZone: string) {
  return kube.customObjects.createNamespacedCustomObject({
    ...resourceOf(clawScheduleKind),
    namespace,
    body: {
      apiVersion,
      kind: 'ClawSchedule',
      metadata: { name, namespace },
      spec: { instanceRef: 'alice', schedule: '0 3 * * *', timeZone, task: 'Sweep.' },
    },
  });
}

/** A client acting as a new ServiceAccount of `namespace` that holds `rules` there. */
async function clientOf(
  kube: KubeClient,
  namespace: string,
  name: string,
  rules: { apiGroups: string[]; resources: string[]; verbs: string[]; resourceNames?: string[] }[],
): Promise<{ client: KubeClient; username: string }> {
  await kube.core.createNamespacedServiceAccount({ namespace, body: { metadata: { name } } });
  const token = (
    await kube.core.createNamespacedServiceAccountToken({
      name,
      namespace,
      body: { spec: { audiences: [] } },
    })
  ).status?.token;
  if (!token) throw new Error(`no token issued for ${namespace}/${name}`);
  await kube.rbac.createNamespacedRole({ namespace, body: { metadata: { name }, rules } });
  await kube.rbac.createNamespacedRoleBinding({
    namespace,
    body: {
      metadata: { name },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
      subjects: [{ kind: 'ServiceAccount', namespace, name }],
    },
  });
  const file = path.join(os.tmpdir(), `${namespace}-${name}.kubeconfig`);
  await writeFile(
    file,
    buildTokenKubeconfigFrom(readFileSync(integrationKubeconfigPath(), 'utf8'), name, token),
    { mode: 0o600 },
  );
  return {
    client: KubeClient.fromKubeconfigFile(file),
    username: `system:serviceaccount:${namespace}:${name}`,
  };
}

const createRuns = { apiGroups: ['k8sclaw.io'], resources: ['agentruns'], verbs: ['create'] };

describe('admission webhook', () => {
  const kube = integrationKubeClient();
  let namespace = '';
  let webhook: WebhookProcess | undefined;
  let configurationName = '';

  before(async () => {
    await installCrds(kube);
    namespace = await createTestNamespace(kube, 'webhook');
    configurationName = `k8sclaw-test-${namespace}`;
    // the credential-override test: the policy allows it, so the requester's rights decide
    await createStrictTenant(kube, namespace, { runOverrides: { model: true } });
    await createPolicyWithInstance(
      kube,
      namespace,
      'boxed',
      { sandboxPolicy: { required: true, defaultImage: 'busybox:1.37' } },
      'bob',
    );

    webhook = await startWebhookProcess({
      kubeconfig: integrationKubeconfigPath(),
      controllerUsername: `system:serviceaccount:${namespace}:k8sclaw-controller`,
    });
    const judged = { name: configurationName, url: webhook.url, namespace, caCertPem: webhook.caCertPem };
    await kube.apply(
      buildTestWebhookConfiguration({
        ...judged,
        kind: 'ValidatingWebhookConfiguration',
        operations: ['CREATE', 'UPDATE'],
        resources: ['agentruns', 'clawschedules', 'clawinstances', 'clawpolicies', 'skillpacks'],
      }) as never,
      'k8sclaw-test',
    );
    await kube.apply(
      buildTestWebhookConfiguration({
        ...judged,
        kind: 'MutatingWebhookConfiguration',
        operations: ['CREATE'],
        resources: ['agentruns'],
      }) as never,
      'k8sclaw-test',
    );
    // the apiserver picks configurations up asynchronously: wait until dry runs are judged and changed
    await eventually('the mutating webhook configuration to take effect', async () => {
      const probe = (await createRun(kube, namespace, runManifest('probe', namespace, 'bob'), true)) as {
        spec: { sandbox?: unknown };
      };
      return probe.spec.sandbox === undefined ? undefined : true;
    });
    await eventually('the webhook configuration to take effect', async () => {
      const probe = runManifest('probe', namespace, 'alice', { toolPolicy: { allow: ['read_file'] } });
      const message = await refusalOf(createRun(kube, namespace, probe, true));
      return message?.includes('ClawPolicy strict denies') ? true : undefined;
    });
  });

  after(async () => {
    if (configurationName) await deleteTestWebhookConfigurations(kube, configurationName);
    await webhook?.stop();
    if (namespace) await deleteTestNamespace(kube, namespace);
  });

  it('refuses an AgentRun that allows a tool its policy denies, with the sentence', async () => {
    const run = runManifest('reads-files', namespace, 'alice', { toolPolicy: { allow: ['read_file'] } });
    const message = await refusalOf(createRun(kube, namespace, run));
    assert.ok(message, 'the run was created');
    assert.match(
      message,
      /AgentRun reads-files is refused: spec\.toolPolicy\.allow lists read_file, which ClawPolicy strict denies \(spec\.toolGating\)\./,
    );
    assert.match(
      message,
      new RegExp(`admission webhook "${webhookName.replaceAll('.', '\\.')}" denied the request`),
    );
  });

  it('refuses an AgentRun of an instance that does not exist, naming it', async () => {
    const message = await refusalOf(createRun(kube, namespace, runManifest('orphan', namespace, 'nobody')));
    assert.match(message ?? '', /spec\.instanceRef names ClawInstance nobody, which does not exist/);
  });

  it('creates an AgentRun the policy allows', async () => {
    const run = runManifest('lists-files', namespace, 'alice', { toolPolicy: { allow: ['list_directory'] } });
    const created = (await createRun(kube, namespace, run)) as { metadata: { uid?: string } };
    assert.ok(created.metadata.uid);
  });

  it('adds the sandbox a policy requires to a run that has none', async () => {
    const created = (await createRun(
      kube,
      namespace,
      runManifest('boxed-run', namespace, 'bob'),
    )) as AgentRun;
    assert.deepEqual(created.spec.sandbox, { enabled: true, image: 'busybox:1.37' });
    const alices = (await createRun(
      kube,
      namespace,
      runManifest('unboxed-run', namespace, 'alice'),
    )) as AgentRun;
    assert.equal(alices.spec.sandbox, undefined);
  });

  it('refuses a ClawSchedule in a time zone not on Earth, and creates one in a real zone', async () => {
    const message = await refusalOf(createSchedule(kube, namespace, 'martian', 'Mars/Olympus_Mons'));
    assert.match(
      message ?? '',
      /ClawSchedule martian is refused: spec\.timeZone has an unknown time zone "Mars\/Olympus_Mons"/,
    );
    assert.equal(await refusalOf(createSchedule(kube, namespace, 'berlin', 'Europe/Berlin')), undefined);
  });

  it('refuses a credential override by a user who may not get the Secret, and admits it for one who may', async () => {
    const override = { model: { authSecretRef: { name: 'team-openai', key: 'api-key' } } };
    const runner = await clientOf(kube, namespace, 'runner', [createRuns]);
    const message = await refusalOf(
      createRun(runner.client, namespace, runManifest('borrows-key', namespace, 'alice', override)),
    );
    assert.ok(message, 'the override was admitted for a user without get on the Secret');
    assert.match(
      message,
      new RegExp(
        `AgentRun borrows-key is refused: spec\\.model\\.authSecretRef overrides the model credentials with Secret team-openai, and user ${runner.username} may not get that Secret\\.`,
      ),
    );

    const owner = await clientOf(kube, namespace, 'owner', [
      createRuns,
      { apiGroups: [''], resources: ['secrets'], verbs: ['get'], resourceNames: ['team-openai'] },
    ]);
    const created = (await createRun(
      owner.client,
      namespace,
      runManifest('owns-key', namespace, 'alice', override),
    )) as { metadata: { uid?: string } };
    assert.ok(created.metadata.uid);

    // bob's policy allows no overrides: not even the Secret's owner may redirect its runs
    const refusedByPolicy = await refusalOf(
      createRun(owner.client, namespace, runManifest('boxed-key', namespace, 'bob', override)),
    );
    assert.match(
      refusedByPolicy ?? '',
      /AgentRun boxed-key is refused: spec\.model\.authSecretRef overrides the instance's model credentials, and ClawPolicy boxed does not allow that \(spec\.runOverrides\.model\)\./,
    );
  });

  it("admits the controller's sub-agent run carrying its parent's credential override, and no one else's", async () => {
    await createPolicyWithInstance(
      kube,
      namespace,
      'delegating',
      { featureGates: { 'sub-agents': true }, runOverrides: { model: true } },
      'carol',
    );
    const override = {
      model: {
        baseURL: 'https://models.example.com/v1',
        authSecretRef: { name: 'carol-openai', key: 'api-key' },
      },
    };
    const lead = await clientOf(kube, namespace, 'lead-owner', [
      createRuns,
      { apiGroups: [''], resources: ['secrets'], verbs: ['get'], resourceNames: ['carol-openai'] },
    ]);
    const parent = (await createRun(
      lead.client,
      namespace,
      runManifest('delegates', namespace, 'carol', override),
    )) as AgentRun;
    // as the controller builds a child: the parent's model, its owner reference, one level deeper
    const child = (name: string, model: object = override.model, uid = parent.metadata.uid) => ({
      ...runManifest(name, namespace, 'carol', { model, parent: { runName: 'delegates', spawnDepth: 1 } }),
      metadata: {
        name,
        namespace,
        ownerReferences: [{ apiVersion, kind: 'AgentRun', name: 'delegates', uid, controller: true }],
      },
    });
    // the controller's ServiceAccount may create runs but not get the Secret
    const controller = await clientOf(kube, namespace, 'k8sclaw-controller', [createRuns]);
    const created = (await createRun(controller.client, namespace, child('delegates-sub-1'))) as AgentRun;
    assert.deepEqual(created.spec.model, override.model);

    // not for another Secret or endpoint than the parent's, nor for another parent uid
    const otherKey = await refusalOf(
      createRun(
        controller.client,
        namespace,
        child('delegates-sub-2', { ...override.model, authSecretRef: { name: 'other', key: 'api-key' } }),
      ),
    );
    assert.match(otherKey ?? '', new RegExp(`user ${controller.username} may not get that Secret`));
    const otherEndpoint = await refusalOf(
      createRun(
        controller.client,
        namespace,
        child('delegates-sub-3', { ...override.model, baseURL: 'https://elsewhere.example.com/v1' }),
      ),
    );
    assert.match(otherEndpoint ?? '', /may not get that Secret/);
    const namesake = await refusalOf(
      createRun(controller.client, namespace, child('delegates-sub-4', override.model, 'not-the-parent-uid')),
    );
    assert.match(namesake ?? '', /may not get that Secret/);
    // a user who may not get the Secret cannot borrow it by naming the parent
    const borrower = await clientOf(kube, namespace, 'borrower', [createRuns]);
    const borrowed = await refusalOf(createRun(borrower.client, namespace, child('delegates-sub-5')));
    assert.match(borrowed ?? '', new RegExp(`user ${borrower.username} may not get that Secret`));
  });

  it('refuses a ClawPolicy under which a bound instance could run nothing, naming the instance', async () => {
    // the policy does not exist yet: the instance is admitted (objects applied together, any order)
    await kube.apply(instanceManifest('carol', namespace, {}, { policyRef: 'later' }), 'k8sclaw-test');
    const message = await refusalOf(
      kube.customObjects.createNamespacedCustomObject({
        ...resourceOf(clawPolicyKind),
        namespace,
        body: {
          apiVersion,
          kind: 'ClawPolicy',
          metadata: { name: 'later', namespace },
          spec: { sandboxPolicy: { required: true } },
        },
      }),
    );
    assert.match(
      message ?? '',
      /ClawPolicy later is refused: no run of ClawInstance carol, which it governs, could start under it: ClawPolicy later requires a sandbox and the run has none \(the policy sets no defaultImage\)\./,
    );
    // an update that leaves the spec alone is not judged (uninstall strips finalizers this way)
    await kube.customObjects.patchNamespacedCustomObject({
      ...resourceOf(clawInstanceKind),
      namespace,
      name: 'carol',
      body: [{ op: 'add', path: '/metadata/labels', value: { team: 'c' } }],
    });
  });

  it('refuses a run of an instance that is being deleted', async () => {
    const held = instanceManifest('leaving', namespace);
    await kube.apply(
      { ...held, metadata: { ...held.metadata, finalizers: ['k8sclaw.io/test-hold'] } },
      'k8sclaw-test',
    );
    const instances = { ...resourceOf(clawInstanceKind), namespace };
    await kube.customObjects.deleteNamespacedCustomObject({ ...instances, name: 'leaving' });
    try {
      const message = await refusalOf(
        createRun(kube, namespace, runManifest('too-late', namespace, 'leaving')),
      );
      assert.match(
        message ?? '',
        /AgentRun too-late is refused: spec\.instanceRef names ClawInstance leaving, which is being deleted\./,
      );
    } finally {
      await kube.customObjects.patchNamespacedCustomObject({
        ...instances,
        name: 'leaving',
        body: [{ op: 'remove', path: '/metadata/finalizers' }],
      });
    }
  });

  it('refuses a SkillPack whose skills do not fit in a ConfigMap, in bytes', async () => {
    const message = await refusalOf(
      kube.customObjects.createNamespacedCustomObject({
        ...resourceOf(skillPackKind),
        namespace,
        body: {
          apiVersion,
          kind: 'SkillPack',
          metadata: { name: 'wide', namespace },
          spec: {
            skills: Array.from({ length: 24 }, (_, i) => ({ name: `s${i}`, content: '漢'.repeat(16384) })),
          },
        },
      }),
    );
    assert.match(
      message ?? '',
      /SkillPack wide is refused: spec\.skills come to \d+ bytes, more than the 1048576 bytes/,
    );
  });

  it('fails closed: with the webhook stopped, a create is refused and says the webhook could not be reached', async () => {
    await webhook?.stop();
    const message = await refusalOf(
      createRun(kube, namespace, runManifest('while-down', namespace, 'alice')),
    );
    assert.ok(message, 'the run was created while the webhook was down');
    assert.match(message, /failed calling webhook "(validate|mutate)\.admission\.k8sclaw\.io"/);
    assert.match(message, /connection refused/);
  });
});
