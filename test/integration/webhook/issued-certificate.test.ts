// The webhook serving certificates that cert-manager keeps (install's --webhook-certificates
// cert-manager): the webhook process reads a kubernetes.io/tls Secret shaped as cert-manager writes
// it (tls.crt, a SEC1 tls.key, ca.crt, its annotations), started before the Secret exists as a pod
// may be; the apiserver calls it with the caBundle CA injection puts there (set here, as
// cert-manager's cainjector does not run in this harness); a renewal written to the Secret is
// served; no keeper ever writes the Secret or the configurations; and the webhook works under
// exactly the RBAC install gives it in that mode (get on that one Secret, no configuration patch).
import assert from 'node:assert/strict';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { withCertManagerTls } from '../../../src/cli/install/cert-manager-tls.ts';
import { installNamespace, loadManifests, type Manifest } from '../../../src/cli/install/manifests.ts';
import { packageRoot } from '../../../src/cli/package-root.ts';
import { ignoreNotFound, type KubeClient } from '../../../src/kube/index.ts';
import {
  generateCertificateAuthority,
  issueServingCertificate,
  type CertificateAuthority,
} from '../../../src/webhook/index.ts';
import { installCrds } from '../../harness/crds.ts';
import { eventually } from '../../harness/eventually.ts';
import { integrationKubeClient, integrationKubeconfigPath } from '../../harness/integration.ts';
import { buildTokenKubeconfigFrom } from '../../harness/kubeconfig.ts';
import { createTestNamespace, deleteTestNamespace } from '../../harness/test-namespace.ts';
import {
  buildTestWebhookConfiguration,
  deleteTestWebhookConfigurations,
  type WebhookConfigurationKind,
} from '../../harness/webhook-configurations.ts';
import { createStrictTenant, probeStrictTenant } from '../../harness/webhook-tenant.ts';
import { startWebhookProcess, type WebhookProcess } from '../../harness/webhook-process.ts';

const secretName = 'k8sclaw-webhook-cert-manager-tls';
const dayMs = 24 * 60 * 60 * 1000;
const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');

/** The data cert-manager writes for an ECDSA Certificate issued by a CA Issuer (key in SEC1). */
async function issuedData(authority: CertificateAuthority): Promise<Record<string, string>> {
  const serving = await issueServingCertificate(authority, {
    dnsNames: ['localhost'],
    ipAddresses: ['127.0.0.1'],
    validityMs: 90 * dayMs,
  });
  const sec1 = createPrivateKey(serving.keyPem).export({ type: 'sec1', format: 'pem' }).toString();
  return { 'tls.crt': b64(serving.certPem), 'tls.key': b64(sec1), 'ca.crt': b64(authority.certPem) };
}

/** The certificate the webhook presents, verified against `ca` (a TLS handshake fails otherwise). */
async function servedCertificate(url: string, ca: string): Promise<Buffer> {
  const { hostname, port } = new URL(url);
  return await new Promise<Buffer>((resolve, reject) => {
    const socket = tls.connect({ host: hostname, port: Number(port), ca, servername: 'localhost' }, () => {
      const raw = socket.getPeerCertificate().raw;
      socket.end();
      resolve(raw);
    });
    socket.once('error', reject);
  });
}

async function resourceVersions(kube: KubeClient, namespace: string, configurationName: string) {
  const secret = await kube.core.readNamespacedSecret({ namespace, name: secretName });
  const validating = await kube.admissionRegistration.readValidatingWebhookConfiguration({
    name: configurationName,
  });
  const mutating = await kube.admissionRegistration.readMutatingWebhookConfiguration({
    name: configurationName,
  });
  return {
    secret: secret.metadata?.resourceVersion,
    validating: validating.metadata?.resourceVersion,
    mutating: mutating.metadata?.resourceVersion,
  };
}

type Rule = { apiGroups: string[]; resources: string[]; verbs: string[]; resourceNames?: string[] };

/** The rules of the webhook's Role and ClusterRole as install applies them in cert-manager mode. */
async function installedWebhookRules(): Promise<{ role: Rule[]; clusterRole: Rule[] }> {
  const manifests = withCertManagerTls(
    await loadManifests(path.join(packageRoot(), 'config')),
    installNamespace,
  );
  const rulesOf = (kind: string) =>
    (manifests.find((m: Manifest) => m.kind === kind && m.metadata.name === 'k8sclaw-webhook')?.rules ??
      []) as Rule[];
  return { role: rulesOf('Role'), clusterRole: rulesOf('ClusterRole') };
}

describe('the webhook serving certificates cert-manager keeps', () => {
  const kube = integrationKubeClient();
  let namespace = '';
  let configurationName = '';
  let webhook: WebhookProcess | undefined;
  let authority: CertificateAuthority | undefined;

  const applyConfigurations = async (url: string, ca: string) => {
    for (const [kind, operations] of [
      ['ValidatingWebhookConfiguration', ['CREATE', 'UPDATE']],
      ['MutatingWebhookConfiguration', ['CREATE']],
    ] as [WebhookConfigurationKind, string[]][]) {
      await kube.apply(
        buildTestWebhookConfiguration({
          kind,
          name: configurationName,
          url,
          namespace,
          resources: ['agentruns'],
          operations,
          caCertPem: ca,
        }) as never,
        'k8sclaw-test',
      );
    }
  };

  const probe = () => probeStrictTenant(kube, namespace);

  before(async () => {
    await installCrds(kube);
    namespace = await createTestNamespace(kube, 'webhook-issued');
    configurationName = `k8sclaw-test-${namespace}`;
    await createStrictTenant(kube, namespace);
    authority = await generateCertificateAuthority({ validityMs: 365 * dayMs });
  });

  after(async () => {
    if (configurationName) await deleteTestWebhookConfigurations(kube, configurationName);
    await webhook?.stop();
    if (configurationName) {
      await ignoreNotFound(kube.rbac.deleteClusterRoleBinding({ name: configurationName }));
      await ignoreNotFound(kube.rbac.deleteClusterRole({ name: configurationName }));
    }
    if (namespace) await deleteTestNamespace(kube, namespace);
  });

  it('waits for the Secret, then serves it, and the apiserver calls it with the injected CA', async () => {
    const ca = authority?.certPem ?? '';
    // the process starts before cert-manager has written the Secret, as a pod may
    const starting = startWebhookProcess({
      kubeconfig: integrationKubeconfigPath(),
      issuedSecret: { namespace, name: secretName, configurationName, checkSeconds: 1 },
    });
    await sleep(1_000);
    await kube.core.createNamespacedSecret({
      namespace,
      body: {
        metadata: {
          name: secretName,
          annotations: {
            'cert-manager.io/certificate-name': 'k8sclaw-webhook',
            'cert-manager.io/issuer-name': 'k8sclaw-webhook-ca',
            'cert-manager.io/issuer-kind': 'Issuer',
            'cert-manager.io/issuer-group': 'cert-manager.io',
            'cert-manager.io/alt-names': 'localhost',
            'cert-manager.io/ip-sans': '127.0.0.1',
          },
        },
        type: 'kubernetes.io/tls',
        data: await issuedData(authority as CertificateAuthority),
      },
    });
    webhook = await starting;

    // what cert-manager's CA injection does: the Secret's ca.crt into both configurations
    await applyConfigurations(webhook.url, ca);
    const message = await eventually('the apiserver to call the webhook', async () => {
      const refusal = await probe();
      return refusal?.includes('denied the request') ? refusal : undefined;
    });
    assert.match(message, /ClawPolicy strict denies/);
  });

  it('serves a renewal written to the Secret, and never writes the Secret or a caBundle itself', async () => {
    const before = await resourceVersions(kube, namespace, configurationName);
    const secret = await kube.core.readNamespacedSecret({ namespace, name: secretName });
    const renewed = await issuedData(authority as CertificateAuthority);
    const replaced = await kube.core.replaceNamespacedSecret({
      namespace,
      name: secretName,
      body: { ...secret, data: renewed },
    });
    const renewedCert = new X509Certificate(Buffer.from(renewed['tls.crt'] ?? '', 'base64'));
    await eventually(
      'the webhook to serve the renewed certificate',
      async () => {
        const served = await servedCertificate(webhook?.url ?? '', authority?.certPem ?? '');
        return served.equals(renewedCert.raw) ? true : undefined;
      },
      15_000,
    );
    // the renewal was seen two rounds apart (served from the round after the first sighting): a
    // keeper running alongside would have written by now
    assert.match((await probe()) ?? 'admitted', /ClawPolicy strict denies/);
    const afterwards = await resourceVersions(kube, namespace, configurationName);
    assert.deepEqual(afterwards, {
      secret: replaced.metadata?.resourceVersion,
      validating: before.validating,
      mutating: before.mutating,
    });
    const data = (await kube.core.readNamespacedSecret({ namespace, name: secretName })).data ?? {};
    assert.deepEqual(Object.keys(data).sort(), ['ca.crt', 'tls.crt', 'tls.key']);
  });

  it('serves and judges under exactly the RBAC install gives it with cert-manager', async () => {
    const { role, clusterRole } = await installedWebhookRules();
    assert.deepEqual(role, [
      { apiGroups: [''], resources: ['secrets'], resourceNames: [secretName], verbs: ['get'] },
    ]);
    const name = 'webhook';
    await kube.core.createNamespacedServiceAccount({ namespace, body: { metadata: { name } } });
    await kube.rbac.createNamespacedRole({ namespace, body: { metadata: { name }, rules: role } });
    await kube.rbac.createNamespacedRoleBinding({
      namespace,
      body: {
        metadata: { name },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
        subjects: [{ kind: 'ServiceAccount', namespace, name }],
      },
    });
    await kube.rbac.createClusterRole({
      body: { metadata: { name: configurationName }, rules: clusterRole },
    });
    await kube.rbac.createClusterRoleBinding({
      body: {
        metadata: { name: configurationName },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: configurationName },
        subjects: [{ kind: 'ServiceAccount', namespace, name }],
      },
    });
    const token = (
      await kube.core.createNamespacedServiceAccountToken({
        name,
        namespace,
        body: { spec: { audiences: [] } },
      })
    ).status?.token;
    assert.ok(token);
    const kubeconfig = path.join(os.tmpdir(), `${namespace}-${name}.kubeconfig`);
    await writeFile(
      kubeconfig,
      buildTokenKubeconfigFrom(readFileSync(integrationKubeconfigPath(), 'utf8'), name, token),
      { mode: 0o600 },
    );
    // it may not write the Secret nor patch a configuration
    const user = `system:serviceaccount:${namespace}:${name}`;
    for (const [verb, group, resource, resourceName, where] of [
      ['update', '', 'secrets', secretName, namespace],
      ['create', '', 'secrets', undefined, namespace],
      [
        'patch',
        'admissionregistration.k8s.io',
        'validatingwebhookconfigurations',
        configurationName,
        undefined,
      ],
    ] as const) {
      const review = await kube.authorization.createSubjectAccessReview({
        body: {
          spec: {
            user,
            groups: ['system:serviceaccounts', `system:serviceaccounts:${namespace}`, 'system:authenticated'],
            resourceAttributes: { verb, group, resource, name: resourceName, namespace: where },
          },
        },
      });
      assert.equal(review.status?.allowed, false, `${verb} ${resource}`);
    }

    await webhook?.stop();
    webhook = await startWebhookProcess({
      kubeconfig,
      issuedSecret: { namespace, name: secretName, configurationName, checkSeconds: 1 },
    });
    await applyConfigurations(webhook.url, authority?.certPem ?? '');
    const message = await eventually('the apiserver to call the webhook running under its RBAC', async () => {
      const refusal = await probe();
      return refusal?.includes('denied the request') ? refusal : undefined;
    });
    assert.match(message, /ClawPolicy strict denies/);
  });
});
