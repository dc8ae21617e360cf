// The webhook keeping its own TLS, as installed: the webhook process makes its CA and serving
// certificate in a Secret and puts the CA into the caBundle of its configurations (applied here
// without one), so the kube-apiserver calls it with no manual step; keepers racing on the Secret end
// with one pair; with lifetimes of seconds the serving certificate and the CA are renewed while the
// apiserver keeps calling, and every call is judged; with the webhook stopped, creates are refused.
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import tls from 'node:tls';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { agentRunKind, resourceOf } from '../../../src/api/index.ts';
import type { KubeClient } from '../../../src/kube/index.ts';
import {
  ensureCertificates,
  tlsSecretKeys,
  type CertificateKeeperOptions,
} from '../../../src/webhook/index.ts';
import { installCrds } from '../../harness/crds.ts';
import { eventually } from '../../harness/eventually.ts';
import { integrationKubeClient, integrationKubeconfigPath } from '../../harness/integration.ts';
import { createTestNamespace, deleteTestNamespace } from '../../harness/test-namespace.ts';
import {
  buildTestWebhookConfiguration,
  deleteTestWebhookConfigurations,
  type WebhookConfigurationKind,
} from '../../harness/webhook-configurations.ts';
import { createStrictTenant, probeStrictTenant, refusalOf } from '../../harness/webhook-tenant.ts';
import { startWebhookProcess, type WebhookProcess } from '../../harness/webhook-process.ts';
import { runManifest } from '../../fixtures/k8sclaw-objects.ts';

const secretName = 'k8sclaw-webhook-tls';
const dayMs = 24 * 60 * 60 * 1000;

async function secretData(
  kube: KubeClient,
  namespace: string,
  name: string,
): Promise<Record<string, string>> {
  const secret = await kube.core.readNamespacedSecret({ namespace, name });
  return Object.fromEntries(
    Object.entries(secret.data ?? {}).map(([key, value]) => [
      key,
      Buffer.from(value, 'base64').toString('utf8'),
    ]),
  );
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

describe('the webhook keeps its own certificates', () => {
  const kube = integrationKubeClient();
  let namespace = '';
  let configurationName = '';
  let webhook: WebhookProcess | undefined;

  // no caBundle: the webhook puts its CA there
  const configuration = (kind: WebhookConfigurationKind, resources: string[], operations: string[]) =>
    buildTestWebhookConfiguration({
      kind,
      name: configurationName,
      url: webhook?.url ?? '',
      namespace,
      resources,
      operations,
    }) as never;

  const probe = () => probeStrictTenant(kube, namespace);

  before(async () => {
    await installCrds(kube);
    namespace = await createTestNamespace(kube, 'webhook-certs');
    configurationName = `k8sclaw-test-${namespace}`;
    await createStrictTenant(kube, namespace);
    // lifetimes of seconds, checked every second: renewals happen while the tests watch
    webhook = await startWebhookProcess({
      kubeconfig: integrationKubeconfigPath(),
      tlsSecret: {
        namespace,
        name: secretName,
        configurationName,
        caValiditySeconds: 40,
        certValiditySeconds: 15,
        checkSeconds: 1,
      },
    });
  });

  after(async () => {
    if (configurationName) await deleteTestWebhookConfigurations(kube, configurationName);
    await webhook?.stop();
    if (namespace) await deleteTestNamespace(kube, namespace);
  });

  it('makes the Secret and puts its CA into the caBundle of both configurations', async () => {
    const data = await secretData(kube, namespace, secretName);
    for (const key of Object.values(tlsSecretKeys).filter((k) => k !== tlsSecretKeys.previousCaCert))
      assert.ok(data[key], `the Secret has ${key}`);
    assert.ok(
      new X509Certificate(data[tlsSecretKeys.cert] ?? '').checkIssued(
        new X509Certificate(data[tlsSecretKeys.caCert] ?? ''),
      ),
    );

    await kube.apply(
      configuration('ValidatingWebhookConfiguration', ['agentruns'], ['CREATE', 'UPDATE']),
      'k8sclaw-test',
    );
    await kube.apply(
      configuration('MutatingWebhookConfiguration', ['agentruns'], ['CREATE']),
      'k8sclaw-test',
    );
    const bundles = await eventually('the caBundle of both configurations', async () => {
      const validating = await kube.admissionRegistration.readValidatingWebhookConfiguration({
        name: configurationName,
      });
      const mutating = await kube.admissionRegistration.readMutatingWebhookConfiguration({
        name: configurationName,
      });
      const found = [
        validating.webhooks?.[0]?.clientConfig.caBundle,
        mutating.webhooks?.[0]?.clientConfig.caBundle,
      ];
      return found.every(Boolean)
        ? found.map((b) => Buffer.from(b ?? '', 'base64').toString('utf8'))
        : undefined;
    });
    const { [tlsSecretKeys.caCert]: caCert = '' } = await secretData(kube, namespace, secretName);
    for (const bundle of bundles)
      assert.ok(bundle.includes(caCert.trim()), 'the bundle holds the CA of the Secret');

    const message = await eventually('the apiserver to call the webhook', async () => {
      const refusal = await probe();
      return refusal?.includes('denied the request') ? refusal : undefined;
    });
    assert.match(message, /ClawPolicy strict denies/);
  });

  it('renews the serving certificate and the CA while the apiserver keeps calling, and every call is judged', async () => {
    const cas = new Set<string>();
    const certs = new Set<string>();
    let calls = 0;
    const deadline = Date.now() + 120_000;
    while ((cas.size < 2 || certs.size < 3) && Date.now() < deadline) {
      const data = await secretData(kube, namespace, secretName);
      cas.add(data[tlsSecretKeys.caCert] ?? '');
      certs.add(data[tlsSecretKeys.cert] ?? '');
      const message = await probe();
      calls++;
      assert.match(
        message ?? 'admitted',
        /ClawPolicy strict denies/,
        `call ${calls} was not judged by the webhook`,
      );
      await sleep(250);
    }
    assert.ok(cas.size >= 2, `the CA was not renewed (${calls} calls)`);
    assert.ok(
      certs.size >= 3,
      `the serving certificate was renewed ${certs.size - 1} times (${calls} calls)`,
    );

    // the webhook serves the Secret's current certificate, and the configuration's bundle trusts it
    await eventually(
      'the webhook to serve the certificate the Secret holds',
      async () => {
        const data = await secretData(kube, namespace, secretName);
        const validating = await kube.admissionRegistration.readValidatingWebhookConfiguration({
          name: configurationName,
        });
        const bundle = Buffer.from(validating.webhooks?.[0]?.clientConfig.caBundle ?? '', 'base64').toString(
          'utf8',
        );
        const served = await servedCertificate(webhook?.url ?? '', bundle);
        return served.equals(new X509Certificate(data[tlsSecretKeys.cert] ?? '').raw) ? true : undefined;
      },
      10_000,
    );
  });

  it('ends with one pair when keepers race to create the Secret and to renew it', async () => {
    const options: CertificateKeeperOptions = {
      kube,
      namespace,
      secretName: 'raced-tls',
      hosts: ['localhost', '127.0.0.1'],
      configurationName: `${configurationName}-absent`,
      caValidityMs: 10 * dayMs,
      servingValidityMs: dayMs,
    };
    const created = await Promise.all([ensureCertificates(options), ensureCertificates(options)]);
    assert.deepEqual(created.map((round) => round.plan.action).sort(), ['keep', 'new-ca']);
    const first = await secretData(kube, namespace, 'raced-tls');
    for (const round of created) assert.equal(round.pair.cert, first[tlsSecretKeys.cert]);

    // nine days on the CA is inside its renewal window: both renew it from the same Secret
    const later = { ...options, now: () => new Date(Date.now() + 9 * dayMs) };
    const renewed = await Promise.all([ensureCertificates(later), ensureCertificates(later)]);
    assert.deepEqual(renewed.map((round) => round.plan.action).sort(), ['keep', 'new-ca']);
    const second = await secretData(kube, namespace, 'raced-tls');
    for (const round of renewed) assert.equal(round.pair.cert, second[tlsSecretKeys.cert]);
    assert.notEqual(second[tlsSecretKeys.caCert], first[tlsSecretKeys.caCert]);
    assert.equal(second[tlsSecretKeys.previousCaCert], first[tlsSecretKeys.caCert]);
    for (const round of renewed) {
      assert.equal(
        round.caBundle,
        `${second[tlsSecretKeys.caCert]?.trim()}\n${first[tlsSecretKeys.caCert]?.trim()}\n`,
      );
    }
  });

  it('fails closed: with the webhook stopped, a create is refused and says the webhook could not be reached', async () => {
    await webhook?.stop();
    const message = await refusalOf(
      kube.customObjects.createNamespacedCustomObject({
        ...resourceOf(agentRunKind),
        namespace,
        body: runManifest('while-down', namespace, 'alice'),
      }),
    );
    assert.ok(message, 'the run was created while the webhook was down');
    assert.match(message, /failed calling webhook "(validate|mutate)\.admission\.k8sclaw\.io"/);
    assert.match(message, /connection refused/);
  });
});
