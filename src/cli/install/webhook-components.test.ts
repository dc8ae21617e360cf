// What config/ deploys for the admission webhook, as install applies it: two hardened, probed
// replicas with a disruption budget, the Service the configurations name, configurations that fail
// closed on the paths the server serves, and RBAC that is exactly what the webhook calls.
import assert from 'node:assert/strict';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { kinds } from '../../api/index.ts';
import { packageRoot } from '../package-root.ts';
import { loadManifests, splitAdmission, webhookTlsSecret, type Manifest } from './manifests.ts';

const configDir = path.join(packageRoot(), 'config');

interface Container {
  image: string;
  ports?: { name: string; containerPort: number }[];
  readinessProbe?: { httpGet?: { path: string; port: string } };
  livenessProbe?: { httpGet?: { path: string; port: string } };
  securityContext?: {
    allowPrivilegeEscalation?: boolean;
    readOnlyRootFilesystem?: boolean;
    capabilities?: { drop?: string[] };
  };
  env?: { name: string; value?: string }[];
}
interface PodSpec {
  serviceAccountName?: string;
  securityContext?: { runAsNonRoot?: boolean; runAsUser?: number; seccompProfile?: { type: string } };
  topologySpreadConstraints?: { whenUnsatisfiable: string }[];
  affinity?: unknown;
  containers: Container[];
}
interface Rule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
  resourceNames?: string[];
}
interface Webhook {
  name: string;
  clientConfig: {
    service?: { namespace: string; name: string; path: string; port: number };
    caBundle?: string;
  };
  rules: { apiGroups: string[]; apiVersions: string[]; operations: string[]; resources: string[] }[];
  failurePolicy: string;
  matchPolicy: string;
  sideEffects: string;
  timeoutSeconds: number;
  admissionReviewVersions: string[];
}

describe('the admission webhook in config/', () => {
  let manifests: Manifest[] = [];
  before(async () => {
    manifests = await loadManifests(configDir);
  });
  const find = (kind: string, name: string) => {
    const manifest = manifests.find((m) => m.kind === kind && m.metadata.name === name);
    assert.ok(manifest, `${kind} ${name}`);
    return manifest;
  };
  const env = (container: Container | undefined, name: string) =>
    container?.env?.find((v) => v.name === name)?.value;
  const grantsOf = (rules: Rule[]) =>
    rules
      .flatMap((rule) =>
        rule.apiGroups.flatMap((group) =>
          rule.resources.flatMap((resource) =>
            rule.verbs.map(
              (verb) =>
                `${verb} ${resource}.${group}${rule.resourceNames ? ` ${rule.resourceNames.join(',')}` : ''}`,
            ),
          ),
        ),
      )
      .sort();

  it('runs two hardened replicas, probed on the health port, that one node can hold', () => {
    const spec = find('Deployment', 'k8sclaw-webhook').spec as {
      replicas: number;
      template: { spec: PodSpec };
    };
    assert.equal(spec.replicas, 2);
    const pod = spec.template.spec;
    assert.equal(pod.serviceAccountName, 'k8sclaw-webhook');
    // Pod Security "restricted"
    assert.equal(pod.securityContext?.runAsNonRoot, true);
    assert.notEqual(pod.securityContext?.runAsUser, 0);
    assert.equal(pod.securityContext?.seccompProfile?.type, 'RuntimeDefault');
    const [container] = pod.containers;
    assert.equal(container?.securityContext?.allowPrivilegeEscalation, false);
    assert.equal(container?.securityContext?.readOnlyRootFilesystem, true);
    assert.deepEqual(container?.securityContext?.capabilities?.drop, ['ALL']);
    assert.equal(container?.image, 'ghcr.io/k8sclaw/webhook:0.1.0');
    assert.deepEqual(container?.readinessProbe?.httpGet, { path: '/readyz', port: 'health' });
    assert.deepEqual(container?.livenessProbe?.httpGet, { path: '/healthz', port: 'health' });
    // spread where there are several nodes, never required: the local cluster has one
    assert.equal(pod.affinity, undefined);
    assert.deepEqual(
      pod.topologySpreadConstraints?.map((c) => c.whenUnsatisfiable),
      ['ScheduleAnyway'],
    );
    assert.equal(env(container, 'K8SCLAW_WEBHOOK_TLS_SECRET'), webhookTlsSecret);
    assert.equal(env(container, 'K8SCLAW_WEBHOOK_SERVICE'), 'k8sclaw-webhook');
    assert.equal(env(container, 'K8SCLAW_WEBHOOK_CONFIGURATION'), 'k8sclaw-webhook');
    const port = container?.ports?.find((p) => p.name === 'webhook')?.containerPort;
    assert.equal(String(port), env(container, 'K8SCLAW_WEBHOOK_PORT'));

    const budget = find('PodDisruptionBudget', 'k8sclaw-webhook').spec as { minAvailable: number };
    assert.equal(budget.minAvailable, 1);
    const service = find('Service', 'k8sclaw-webhook').spec as {
      ports: { port: number; targetPort: string }[];
    };
    assert.deepEqual(
      service.ports.map((p) => [p.port, p.targetPort]),
      [[443, 'webhook']],
    );
  });

  it('validates creates and updates of all five kinds and mutates new AgentRuns, failing closed', () => {
    const validating = find('ValidatingWebhookConfiguration', 'k8sclaw-webhook').webhooks as Webhook[];
    const mutating = find('MutatingWebhookConfiguration', 'k8sclaw-webhook').webhooks as Webhook[];
    for (const [webhooks, path] of [
      [validating, '/validate'],
      [mutating, '/mutate'],
    ] as const) {
      assert.equal(webhooks.length, 1);
      const [webhook] = webhooks;
      assert.deepEqual(webhook?.clientConfig.service, {
        namespace: 'k8sclaw-system',
        name: 'k8sclaw-webhook',
        path,
        port: 443,
      });
      assert.equal(webhook?.failurePolicy, 'Fail');
      assert.equal(webhook?.sideEffects, 'None');
      assert.equal(webhook?.matchPolicy, 'Equivalent');
      assert.ok((webhook?.timeoutSeconds ?? 30) <= 5);
      assert.deepEqual(webhook?.admissionReviewVersions, ['v1']);
      // install sets it from the webhook's own Secret
      assert.equal(webhook?.clientConfig.caBundle, undefined);
    }
    const [rule, ...otherRules] = validating[0]?.rules ?? [];
    assert.equal(otherRules.length, 0);
    assert.deepEqual(rule?.apiGroups, ['k8sclaw.io']);
    assert.deepEqual(rule?.apiVersions, ['v1alpha1']);
    assert.deepEqual(rule?.operations, ['CREATE', 'UPDATE']);
    assert.deepEqual(rule?.resources.slice().sort(), kinds.map((kind) => kind.plural).sort());
    assert.deepEqual(
      mutating[0]?.rules.map((r) => [r.operations, r.resources]),
      [[['CREATE'], ['agentruns']]],
    );
    // both come after everything else, once the webhook serves
    const { admission } = splitAdmission(manifests);
    assert.deepEqual(admission.map((m) => m.kind).sort(), [
      'MutatingWebhookConfiguration',
      'ValidatingWebhookConfiguration',
    ]);
  });

  it('grants the webhook exactly what it reads and the objects it keeps', () => {
    assert.deepEqual(
      grantsOf(find('ClusterRole', 'k8sclaw-webhook').rules as Rule[]),
      [
        ...['clawinstances', 'clawpolicies', 'skillpacks'].flatMap((plural) => [
          `get ${plural}.k8sclaw.io`,
          `list ${plural}.k8sclaw.io`,
        ]),
        'get agentruns.k8sclaw.io',
        'create subjectaccessreviews.authorization.k8s.io',
        ...['validatingwebhookconfigurations', 'mutatingwebhookconfigurations'].flatMap((resource) => [
          `get ${resource}.admissionregistration.k8s.io k8sclaw-webhook`,
          `patch ${resource}.admissionregistration.k8s.io k8sclaw-webhook`,
        ]),
      ].sort(),
    );
    const role = find('Role', 'k8sclaw-webhook');
    assert.equal(role.metadata.namespace, 'k8sclaw-system');
    assert.deepEqual(
      grantsOf(role.rules as Rule[]),
      ['create secrets.', `get secrets. ${webhookTlsSecret}`, `update secrets. ${webhookTlsSecret}`].sort(),
    );
    const subjects = [{ kind: 'ServiceAccount', name: 'k8sclaw-webhook', namespace: 'k8sclaw-system' }];
    assert.deepEqual(find('ClusterRoleBinding', 'k8sclaw-webhook').subjects, subjects);
    assert.deepEqual(find('RoleBinding', 'k8sclaw-webhook').subjects, subjects);
    find('ServiceAccount', 'k8sclaw-webhook');
  });
});
