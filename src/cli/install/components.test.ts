// What config/ deploys for the API server and PostgreSQL, as install applies it: replicas, probes,
// hardening, the disruption budget and autoscaler, and RBAC that is exactly what the routes call.
import assert from 'node:assert/strict';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { packageRoot } from '../package-root.ts';
import { loadManifests, type Manifest } from './manifests.ts';

const configDir = path.join(packageRoot(), 'config');

interface Probe {
  httpGet?: { path: string; port: string };
  exec?: { command: string[] };
  tcpSocket?: { port: string };
}
interface Container {
  image: string;
  readinessProbe?: Probe;
  livenessProbe?: Probe;
  startupProbe?: Probe;
  resources?: { requests?: { cpu?: string } };
  securityContext?: {
    allowPrivilegeEscalation?: boolean;
    readOnlyRootFilesystem?: boolean;
    capabilities?: { drop?: string[] };
  };
  env?: { name: string; value?: string; valueFrom?: unknown }[];
}
interface PodSpec {
  serviceAccountName?: string;
  automountServiceAccountToken?: boolean;
  securityContext?: { runAsNonRoot?: boolean; runAsUser?: number; seccompProfile?: { type: string } };
  containers: Container[];
}
interface WorkloadSpec {
  replicas?: number;
  template: { spec: PodSpec };
  volumeClaimTemplates?: unknown[];
  persistentVolumeClaimRetentionPolicy?: { whenDeleted?: string };
}
interface Rule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
}

describe('the API server and PostgreSQL in config/', () => {
  let manifests: Manifest[] = [];
  before(async () => {
    manifests = await loadManifests(configDir);
  });
  const find = (kind: string, name: string) => {
    const manifest = manifests.find((m) => m.kind === kind && m.metadata.name === name);
    assert.ok(manifest, `${kind} ${name}`);
    return manifest;
  };
  const hardened = (pod: PodSpec) => {
    assert.equal(pod.securityContext?.runAsNonRoot, true);
    assert.notEqual(pod.securityContext?.runAsUser, 0);
    assert.equal(pod.securityContext?.seccompProfile?.type, 'RuntimeDefault');
    for (const container of pod.containers) {
      assert.equal(container.securityContext?.allowPrivilegeEscalation, false);
      assert.equal(container.securityContext?.readOnlyRootFilesystem, true);
      assert.deepEqual(container.securityContext?.capabilities?.drop, ['ALL']);
    }
  };

  it('runs two hardened, probed API server replicas under their own ServiceAccount', () => {
    const spec = find('Deployment', 'k8sclaw-apiserver').spec as WorkloadSpec;
    assert.equal(spec.replicas, 2);
    assert.equal(spec.template.spec.serviceAccountName, 'k8sclaw-apiserver');
    hardened(spec.template.spec);
    const [container] = spec.template.spec.containers;
    assert.equal(container?.image, 'ghcr.io/k8sclaw/apiserver:0.1.0');
    assert.deepEqual(container?.readinessProbe?.httpGet, { path: '/readyz', port: 'health' });
    assert.deepEqual(container?.livenessProbe?.httpGet, { path: '/healthz', port: 'health' });
    // the autoscaler needs a CPU request to compute utilisation
    assert.ok(container?.resources?.requests?.cpu);
    const variables = new Set(container?.env?.map((v) => v.name));
    for (const name of ['DATABASE_URL', 'EVENT_BUS_URL', 'K8SCLAW_BUS_ACCOUNT_SIGNER_FILE'])
      assert.ok(variables.has(name), name);
    find('Service', 'k8sclaw-apiserver');
    find('ServiceAccount', 'k8sclaw-apiserver');
  });

  it('keeps one replica through disruptions and scales by CPU', () => {
    const budget = find('PodDisruptionBudget', 'k8sclaw-apiserver');
    assert.equal(budget.apiVersion, 'policy/v1');
    assert.equal((budget.spec as { minAvailable: number }).minAvailable, 1);
    const autoscaler = find('HorizontalPodAutoscaler', 'k8sclaw-apiserver');
    assert.equal(autoscaler.apiVersion, 'autoscaling/v2');
    const spec = autoscaler.spec as {
      scaleTargetRef: { kind: string; name: string };
      minReplicas: number;
      metrics: { resource?: { name: string } }[];
    };
    assert.deepEqual(spec.scaleTargetRef, {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      name: 'k8sclaw-apiserver',
    });
    assert.equal(spec.minReplicas, 2);
    assert.deepEqual(
      spec.metrics.map((m) => m.resource?.name),
      ['cpu'],
    );
  });

  it('grants the API server exactly the calls its routes and recorder make', () => {
    const role = find('ClusterRole', 'k8sclaw-apiserver');
    const grants = new Set(
      (role.rules as Rule[]).flatMap((rule) =>
        rule.apiGroups.flatMap((group) =>
          rule.resources.flatMap((resource) => rule.verbs.map((verb) => `${verb} ${resource}.${group}`)),
        ),
      ),
    );
    assert.deepEqual(
      [...grants].sort(),
      [
        'create tokenreviews.authentication.k8s.io',
        'create subjectaccessreviews.authorization.k8s.io',
        'get agentruns.k8sclaw.io',
        'list agentruns.k8sclaw.io',
        'create agentruns.k8sclaw.io',
        'delete agentruns.k8sclaw.io',
        'patch agentruns.k8sclaw.io',
        'patch agentruns/status.k8sclaw.io',
        ...['clawinstances', 'clawschedules', 'clawpolicies', 'skillpacks'].flatMap((plural) => [
          `get ${plural}.k8sclaw.io`,
          `list ${plural}.k8sclaw.io`,
        ]),
        'get jobs.batch',
        'delete jobs.batch',
        'get configmaps.',
        'create events.',
      ].sort(),
    );
    const binding = find('ClusterRoleBinding', 'k8sclaw-apiserver');
    assert.deepEqual(binding.subjects, [
      { kind: 'ServiceAccount', name: 'k8sclaw-apiserver', namespace: 'k8sclaw-system' },
    ]);
  });

  it('runs one hardened PostgreSQL with a volume, probes and no Kubernetes token', () => {
    const spec = find('StatefulSet', 'k8sclaw-postgres').spec as WorkloadSpec;
    assert.equal(spec.replicas, 1);
    assert.equal(spec.volumeClaimTemplates?.length, 1);
    // uninstall removes the namespace and the volume with it; the policy says so for a scale to zero too
    assert.equal(spec.persistentVolumeClaimRetentionPolicy?.whenDeleted, 'Delete');
    assert.equal(spec.template.spec.automountServiceAccountToken, false);
    hardened(spec.template.spec);
    const [container] = spec.template.spec.containers;
    assert.equal(container?.image, 'ghcr.io/k8sclaw/postgres:0.1.0');
    assert.ok(container?.readinessProbe && container.livenessProbe && container.startupProbe);
    // the password is read from the mounted Secret, never from the environment
    assert.equal(
      container?.env?.some((v) => /PASSWORD$/.test(v.name)),
      false,
    );
    assert.ok(container?.env?.some((v) => v.name === 'POSTGRES_PASSWORD_FILE'));
    find('Service', 'k8sclaw-postgres');
  });
});
