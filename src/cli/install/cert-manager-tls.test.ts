import assert from 'node:assert/strict';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { packageRoot } from '../package-root.ts';
import {
  buildCertManagerObjects,
  certManagerNames,
  injectCaFromAnnotation,
  withCertManagerTls,
} from './cert-manager-tls.ts';
import { installNamespace, loadManifests, type Manifest } from './manifests.ts';

const configDir = path.join(packageRoot(), 'config');

interface CertificateSpec {
  isCA?: boolean;
  secretName: string;
  dnsNames?: string[];
  duration: string;
  renewBefore: string;
  usages?: string[];
  privateKey: { algorithm: string; rotationPolicy: string; encoding?: string };
  issuerRef: { name: string; kind: string; group: string };
}
interface Rule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
  resourceNames?: string[];
}
const hours = (duration: string) => Number(/^(\d+)h0m0s$/.exec(duration)?.[1]);

describe('buildCertManagerObjects', () => {
  const objects = buildCertManagerObjects('k8sclaw-system');
  const find = (kind: string, name: string) => {
    const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
    assert.ok(found, `${kind} ${name}`);
    return found;
  };

  it('chains a self-signed Issuer, a CA Certificate, a CA Issuer and the serving Certificate', () => {
    assert.deepEqual(
      objects.map((o) => `${o.apiVersion} ${o.kind}/${o.metadata.namespace}/${o.metadata.name}`),
      [
        'cert-manager.io/v1 Issuer/k8sclaw-system/k8sclaw-webhook-selfsigned',
        'cert-manager.io/v1 Certificate/k8sclaw-system/k8sclaw-webhook-ca',
        'cert-manager.io/v1 Issuer/k8sclaw-system/k8sclaw-webhook-ca',
        'cert-manager.io/v1 Certificate/k8sclaw-system/k8sclaw-webhook',
      ],
    );
    assert.deepEqual(find('Issuer', certManagerNames.selfSignedIssuer).spec, { selfSigned: {} });
    const ca = find('Certificate', certManagerNames.caCertificate).spec as CertificateSpec;
    assert.equal(ca.isCA, true);
    assert.equal(ca.secretName, certManagerNames.caSecret);
    assert.deepEqual(ca.issuerRef, {
      name: certManagerNames.selfSignedIssuer,
      kind: 'Issuer',
      group: 'cert-manager.io',
    });
    // a renewed CA keeps its key: certificates of the previous one still verify
    assert.equal(ca.privateKey.rotationPolicy, 'Never');
    assert.deepEqual(find('Issuer', certManagerNames.caIssuer).spec, {
      ca: { secretName: certManagerNames.caSecret },
    });
    for (const o of objects)
      assert.deepEqual(o.metadata.labels, {
        'app.kubernetes.io/part-of': 'k8sclaw',
        'app.kubernetes.io/component': 'webhook',
      });
  });

  it('issues the serving certificate for every name the apiserver may dial, renewed well before expiry', () => {
    const serving = find('Certificate', certManagerNames.servingCertificate).spec as CertificateSpec;
    assert.deepEqual(serving.dnsNames, [
      'k8sclaw-webhook',
      'k8sclaw-webhook.k8sclaw-system',
      'k8sclaw-webhook.k8sclaw-system.svc',
      'k8sclaw-webhook.k8sclaw-system.svc.cluster.local',
    ]);
    assert.equal(serving.secretName, 'k8sclaw-webhook-cert-manager-tls');
    assert.notEqual(serving.secretName, 'k8sclaw-webhook-tls', 'never the keeper Secret');
    assert.deepEqual(serving.issuerRef, {
      name: certManagerNames.caIssuer,
      kind: 'Issuer',
      group: 'cert-manager.io',
    });
    assert.deepEqual(serving.usages, ['server auth', 'digital signature']);
    assert.equal(serving.privateKey.rotationPolicy, 'Always');
    const ca = find('Certificate', certManagerNames.caCertificate).spec as CertificateSpec;
    for (const spec of [serving, ca]) {
      assert.ok(hours(spec.renewBefore) > 0);
      assert.ok(
        hours(spec.renewBefore) * 3 <= hours(spec.duration),
        'renewal starts a third before expiry at the latest',
      );
    }
    assert.ok(
      hours(serving.duration) < hours(ca.duration) - hours(ca.renewBefore),
      'a serving certificate ends before its CA is due',
    );
  });
});

describe('withCertManagerTls on config/', () => {
  let plain: Manifest[] = [];
  let adapted: Manifest[] = [];
  before(async () => {
    plain = await loadManifests(configDir);
    adapted = withCertManagerTls(plain, installNamespace);
  });
  const find = (list: Manifest[], kind: string, name = 'k8sclaw-webhook') => {
    const found = list.find((o) => o.kind === kind && o.metadata.name === name);
    assert.ok(found, `${kind} ${name}`);
    return found;
  };

  it('adds the cert-manager objects just before the webhook Deployment', () => {
    const names = adapted.map((m) => `${m.kind}/${m.metadata.name}`);
    const deployment = names.indexOf('Deployment/k8sclaw-webhook');
    assert.deepEqual(names.slice(deployment - 4, deployment), [
      'Issuer/k8sclaw-webhook-selfsigned',
      'Certificate/k8sclaw-webhook-ca',
      'Issuer/k8sclaw-webhook-ca',
      'Certificate/k8sclaw-webhook',
    ]);
    assert.equal(adapted.length, plain.length + 4);
    assert.equal(
      plain.some((m) => m.apiVersion.startsWith('cert-manager.io/')),
      false,
      'the input is not changed',
    );
  });

  it('asks cert-manager to inject the serving Certificate CA into both configurations', () => {
    for (const kind of ['ValidatingWebhookConfiguration', 'MutatingWebhookConfiguration']) {
      assert.deepEqual(find(adapted, kind).metadata.annotations, {
        [injectCaFromAnnotation]: 'k8sclaw-system/k8sclaw-webhook',
      });
      assert.equal(find(plain, kind).metadata.annotations, undefined);
    }
  });

  it('runs the webhook without its keeper, reading the Secret cert-manager writes', () => {
    const env = (list: Manifest[]) =>
      (
        find(list, 'Deployment').spec as {
          template: { spec: { containers: { env: { name: string; value?: string }[] }[] } };
        }
      ).template.spec.containers[0]?.env ?? [];
    const value = (list: Manifest[], name: string) => env(list).find((v) => v.name === name)?.value;
    assert.equal(value(adapted, 'K8SCLAW_WEBHOOK_CERTIFICATES'), 'cert-manager');
    assert.equal(value(adapted, 'K8SCLAW_WEBHOOK_TLS_SECRET'), 'k8sclaw-webhook-cert-manager-tls');
    assert.equal(env(adapted).filter((v) => v.name === 'K8SCLAW_WEBHOOK_TLS_SECRET').length, 1);
    assert.equal(value(plain, 'K8SCLAW_WEBHOOK_CERTIFICATES'), undefined);
    assert.equal(value(plain, 'K8SCLAW_WEBHOOK_TLS_SECRET'), 'k8sclaw-webhook-tls');
  });

  it('leaves the webhook only reading its one Secret, and no right to patch the configurations', () => {
    assert.deepEqual(find(adapted, 'Role').rules, [
      {
        apiGroups: [''],
        resources: ['secrets'],
        resourceNames: ['k8sclaw-webhook-cert-manager-tls'],
        verbs: ['get'],
      },
    ]);
    const clusterRules = find(adapted, 'ClusterRole').rules as Rule[];
    assert.equal(
      clusterRules.some((r) => r.apiGroups.includes('admissionregistration.k8s.io')),
      false,
    );
    // what admission itself reads stays
    assert.deepEqual(
      clusterRules.map((r) => r.apiGroups[0]),
      (find(plain, 'ClusterRole').rules as Rule[])
        .map((r) => r.apiGroups[0])
        .filter((g) => g !== 'admissionregistration.k8s.io'),
    );
    assert.ok(
      (find(plain, 'ClusterRole').rules as Rule[]).some((r) =>
        r.apiGroups.includes('admissionregistration.k8s.io'),
      ),
    );
  });
});
