// `k8sclaw install --webhook-certificates` against the real apiserver with cert-manager's REAL CRDs
// (deploy/crds of its release module, from the Go module cache): `auto` picks cert-manager only
// when they are served, an explicit cert-manager without them is one sentence; the Issuers and
// Certificates install builds pass cert-manager's own schemas unchanged, and a whole install dry
// run validates them and the annotated configurations on the server; install's wait for the Secret
// cert-manager writes, and uninstall's removal of what install made for it. cert-manager's
// controller and cainjector do not run here (their modules cannot be fetched): issuing and CA
// injection themselves are not exercised.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { buildCertManagerObjects, withCertManagerTls } from '../../../src/cli/install/cert-manager-tls.ts';
import {
  deleteCertManagerObjects,
  fetchCertManagerServed,
  waitForIssuedSecret,
} from '../../../src/cli/install/cert-manager-cluster.ts';
import { installNamespace, loadManifests, splitAdmission } from '../../../src/cli/install/manifests.ts';
import { packageRoot } from '../../../src/cli/package-root.ts';
import { toKubeError, type KubeClient } from '../../../src/kube/index.ts';
import { generateServingCertificate } from '../../../src/webhook/index.ts';
import { deleteCertManagerCrds, installCertManagerCrds } from '../../harness/cert-manager-crds.ts';
import { runCli } from '../../harness/cli.ts';
import { eventually, whenGone } from '../../harness/eventually.ts';
import { integrationKubeClient, integrationKubeconfigPath } from '../../harness/integration.ts';
import { createTestNamespace, deleteTestNamespace } from '../../harness/test-namespace.ts';

const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');

interface Live {
  metadata?: { name?: string; annotations?: Record<string, string> };
  spec?: Record<string, unknown>;
}

async function listNames(kube: KubeClient, kind: string, namespace: string): Promise<string[]> {
  const list = await kube.objects.list('cert-manager.io/v1', kind, namespace);
  return list.items.map((item) => item.metadata?.name ?? '').sort();
}

async function deleteInstallNamespace(kube: KubeClient): Promise<void> {
  await kube.core.deleteNamespace({ name: installNamespace }).catch(() => undefined);
  await eventually(
    `namespace ${installNamespace} to be gone`,
    whenGone(() => kube.core.readNamespace({ name: installNamespace })),
    60_000,
  );
}

describe('k8sclaw install with cert-manager keeping the webhook certificates', () => {
  const kube = integrationKubeClient();
  const kubeconfig = integrationKubeconfigPath();
  let namespace = '';

  before(async () => {
    namespace = await createTestNamespace(kube, 'install-cert-manager');
    await deleteCertManagerCrds(kube);
  });
  after(async () => {
    await deleteCertManagerCrds(kube);
    if (namespace) await deleteTestNamespace(kube, namespace);
  });

  it('without cert-manager, auto keeps the webhook keeper and cert-manager is refused in one sentence', async () => {
    assert.equal(await fetchCertManagerServed(kube), false);
    const auto = await runCli(['install', '--profile', 'local', '--dry-run'], { KUBECONFIG: kubeconfig });
    assert.equal(auto.code, 0, auto.stderr);
    assert.match(
      auto.stdout,
      /webhook certificates: kept by the webhook itself \(auto: cert-manager is not served by the cluster\)/,
    );
    assert.doesNotMatch(auto.stdout, /issuer\/|certificate\//);

    // not a dry run: refused before anything is changed
    const refused = await runCli(['install', '--webhook-certificates', 'cert-manager', '--timeout', '5'], {
      KUBECONFIG: kubeconfig,
    });
    assert.equal(refused.code, 1);
    assert.equal(
      refused.stderr.trim(),
      'Error: --webhook-certificates cert-manager needs cert-manager in the cluster, but it does not serve certificates.cert-manager.io and issuers.cert-manager.io (cert-manager.io/v1); install cert-manager first, or use --webhook-certificates k8sclaw',
    );
    assert.equal(
      (await kube.core.listNamespace()).items.some((n) => n.metadata?.name === installNamespace),
      false,
      'nothing was changed',
    );
    const bad = await runCli(['install', '--dry-run', '--webhook-certificates', 'vault'], {
      KUBECONFIG: kubeconfig,
    });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /argument 'vault' is invalid\. Allowed choices are auto, k8sclaw, cert-manager/);
  });

  it("with cert-manager's CRDs, the Issuers and Certificates install builds pass its schemas unchanged", async () => {
    const names = await installCertManagerCrds(kube);
    assert.ok(names.includes('certificates.cert-manager.io') && names.includes('issuers.cert-manager.io'));
    assert.equal(await fetchCertManagerServed(kube), true);

    for (const object of buildCertManagerObjects(namespace)) {
      const sent = object.spec as Record<string, unknown>;
      const live = (await kube.apply(object, 'k8sclaw-installer')) as Live;
      // a field the schema does not know would be pruned (or refused): every one is kept as sent
      assert.deepEqual(live.spec, sent, `${object.kind} ${object.metadata.name}`);
    }
    assert.deepEqual(await listNames(kube, 'Issuer', namespace), [
      'k8sclaw-webhook-ca',
      'k8sclaw-webhook-selfsigned',
    ]);
    assert.deepEqual(await listNames(kube, 'Certificate', namespace), [
      'k8sclaw-webhook',
      'k8sclaw-webhook-ca',
    ]);

    // the schema is really checked: a key algorithm cert-manager does not know is refused
    const [, caCertificate] = buildCertManagerObjects(namespace);
    const wrong = structuredClone(caCertificate);
    assert.ok(wrong);
    (wrong.spec as { privateKey: { algorithm: string } }).privateKey.algorithm = 'DSA';
    wrong.metadata.name = 'refused';
    const refusal = await kube.apply(wrong, 'k8sclaw-test', { dryRun: true }).then(
      () => 'accepted',
      (error: unknown) => String((toKubeError(error) as Error).message),
    );
    assert.match(refusal, /spec\.privateKey\.algorithm: Unsupported value: "DSA"/);
  });

  it('auto picks cert-manager, and a whole install dry run validates its objects and the annotated configurations', async () => {
    // the server validates namespaced objects only in a namespace that exists
    await kube.core.createNamespace({ body: { metadata: { name: installNamespace } } });
    try {
      const result = await runCli(['install', '--profile', 'local', '--dry-run'], { KUBECONFIG: kubeconfig });
      assert.equal(result.code, 0, result.stderr);
      assert.match(
        result.stdout,
        /webhook certificates: issued by cert-manager, CA injected by its cainjector \(auto: cert-manager is served by the cluster\)/,
      );
      for (const object of [
        'issuer/k8sclaw-system/k8sclaw-webhook-selfsigned',
        'certificate/k8sclaw-system/k8sclaw-webhook-ca',
        'issuer/k8sclaw-system/k8sclaw-webhook-ca',
        'certificate/k8sclaw-system/k8sclaw-webhook',
        'deployment/k8sclaw-system/k8sclaw-webhook',
        'role/k8sclaw-system/k8sclaw-webhook',
        'validatingwebhookconfiguration/k8sclaw-webhook',
        'mutatingwebhookconfiguration/k8sclaw-webhook',
      ])
        assert.ok(result.stdout.includes(`✓ ${object} (validated, not applied)`), object);
      assert.match(result.stdout, /nothing was changed/);

      // the configurations as the server would store them carry the injection annotation
      const manifests = withCertManagerTls(
        await loadManifests(path.join(packageRoot(), 'config')),
        installNamespace,
      );
      for (const configuration of splitAdmission(manifests).admission) {
        const live = (await kube.apply(configuration, 'k8sclaw-installer', { dryRun: true })) as Live;
        assert.equal(
          live.metadata?.annotations?.['cert-manager.io/inject-ca-from'],
          'k8sclaw-system/k8sclaw-webhook',
        );
      }
      assert.equal(
        await kube.objects
          .list('cert-manager.io/v1', 'Certificate', installNamespace)
          .then((l) => l.items.length),
        0,
      );
    } finally {
      await deleteInstallNamespace(kube);
    }
  });

  it('waits for the Secret cert-manager writes, and names the Certificate when it does not come', async () => {
    const message = await waitForIssuedSecret(kube, namespace, 2_000, 200).then(
      () => 'issued',
      (error: unknown) => (error as Error).message,
    );
    assert.equal(
      message,
      `cert-manager has not issued certificate/${namespace}/k8sclaw-webhook after 2s (Secret ${namespace}/k8sclaw-webhook-cert-manager-tls does not exist); see kubectl describe certificate -n ${namespace} k8sclaw-webhook, and whether cert-manager runs`,
    );

    const issued = await generateServingCertificate({ dnsNames: ['k8sclaw-webhook'] });
    const waiting = waitForIssuedSecret(kube, namespace, 30_000, 200);
    await sleep(500);
    // as cert-manager writes it: the Certificate's annotations and secretTemplate labels
    await kube.core.createNamespacedSecret({
      namespace,
      body: {
        metadata: {
          name: 'k8sclaw-webhook-cert-manager-tls',
          labels: { 'app.kubernetes.io/part-of': 'k8sclaw', 'app.kubernetes.io/component': 'webhook' },
          annotations: {
            'cert-manager.io/certificate-name': 'k8sclaw-webhook',
            'cert-manager.io/issuer-name': 'k8sclaw-webhook-ca',
            'cert-manager.io/issuer-kind': 'Issuer',
          },
        },
        type: 'kubernetes.io/tls',
        data: {
          'tls.crt': b64(issued.certPem),
          'tls.key': b64(issued.keyPem),
          'ca.crt': b64(issued.caCertPem),
        },
      },
    });
    assert.equal(await waiting, issued.caCertPem);
  });

  it("uninstall's step removes the Certificates, Issuers and Secrets install made, and nothing else", async () => {
    const other = buildCertManagerObjects(namespace)[0];
    assert.ok(other);
    other.metadata.name = 'someone-elses';
    other.metadata.labels = {};
    await kube.apply(other, 'k8sclaw-test');

    const deleted = await deleteCertManagerObjects(kube, namespace);
    assert.deepEqual(deleted.sort(), [
      'certificate/k8sclaw-webhook',
      'certificate/k8sclaw-webhook-ca',
      'issuer/k8sclaw-webhook-ca',
      'issuer/k8sclaw-webhook-selfsigned',
      'secret/k8sclaw-webhook-cert-manager-tls',
    ]);
    assert.deepEqual(await listNames(kube, 'Certificate', namespace), []);
    assert.deepEqual(await listNames(kube, 'Issuer', namespace), ['someone-elses']);
    await eventually(
      'the Secret to be gone',
      whenGone(() => kube.core.readNamespacedSecret({ namespace, name: 'k8sclaw-webhook-cert-manager-tls' })),
    );
  });
});
