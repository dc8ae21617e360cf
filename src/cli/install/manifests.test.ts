import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  applyProfile,
  resolveImage,
  splitAdmission,
  splitImage,
  withCaBundle,
  type Manifest,
} from './manifests.ts';

const local = {
  images: { 'docker.io/library/nats': 'localhost/k8sclaw/nats', 'ghcr.io/k8sclaw/': 'localhost/k8sclaw/' },
  imagePullPolicy: 'Never' as const,
};

describe('install profiles', () => {
  it('splits images with registry ports correctly', () => {
    assert.deepEqual(splitImage('localhost:5000/a/b:1.2'), { repository: 'localhost:5000/a/b', tag: '1.2' });
    assert.deepEqual(splitImage('localhost:5000/a/b'), { repository: 'localhost:5000/a/b', tag: undefined });
  });

  const cases: [string, string][] = [
    ['docker.io/library/nats:2.12.15', 'localhost/k8sclaw/nats:2.12.15'],
    ['ghcr.io/k8sclaw/k8sclaw:0.0.1', 'localhost/k8sclaw/k8sclaw:9.9.9'],
    ['ghcr.io/k8sclaw/channel-{type}:0.0.1', 'localhost/k8sclaw/channel-{type}:9.9.9'],
    ['quay.io/other/thing:3', 'quay.io/other/thing:3'],
  ];
  for (const [image, expected] of cases) {
    it(`maps ${image}`, () => assert.equal(resolveImage(image, local, '9.9.9'), expected));
  }

  it('tags our images with the release version even without a profile', () => {
    assert.equal(
      resolveImage('ghcr.io/k8sclaw/k8sclaw:0.0.1', { images: {} }, '1.0.0'),
      'ghcr.io/k8sclaw/k8sclaw:1.0.0',
    );
  });

  it('rewrites container images, *_IMAGE variables and the pull policy, and labels every object', () => {
    const deployment: Manifest = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'c', namespace: 'n' },
      spec: {
        template: {
          spec: {
            containers: [
              {
                name: 'c',
                image: 'ghcr.io/k8sclaw/k8sclaw:0.0.1',
                env: [
                  { name: 'K8SCLAW_AGENT_IMAGE', value: 'ghcr.io/k8sclaw/agent:0.0.1' },
                  { name: 'OTHER', value: 'x' },
                ],
              },
            ],
          },
        },
      },
    };
    const [out] = applyProfile([deployment], local, '9.9.9');
    const container = (
      out?.spec as {
        template: {
          spec: {
            containers: { image: string; imagePullPolicy: string; env: { name: string; value: string }[] }[];
          };
        };
      }
    ).template.spec.containers[0];
    assert.equal(container?.image, 'localhost/k8sclaw/k8sclaw:9.9.9');
    assert.equal(container?.imagePullPolicy, 'Never');
    assert.deepEqual(container?.env, [
      { name: 'K8SCLAW_AGENT_IMAGE', value: 'localhost/k8sclaw/agent:9.9.9' },
      { name: 'OTHER', value: 'x' },
      { name: 'K8SCLAW_IMAGE_PULL_POLICY', value: 'Never' },
    ]);
    assert.equal(out?.metadata.labels?.['app.kubernetes.io/part-of'], 'k8sclaw');
    assert.equal(
      (deployment.metadata.labels ?? {})['app.kubernetes.io/part-of'],
      undefined,
      'the input is not changed',
    );
  });
});

describe('admission configurations at install', () => {
  const configuration = (kind: string): Manifest => ({
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind,
    metadata: { name: 'k8sclaw-webhook' },
    webhooks: [
      { name: 'a.example', clientConfig: { service: { name: 's', namespace: 'n' } } },
      { name: 'b.example', clientConfig: { url: 'https://x' } },
    ],
  });
  const deployment: Manifest = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd' } };

  it('holds the webhook configurations back from everything else, keeping the order', () => {
    const validating = configuration('ValidatingWebhookConfiguration');
    const mutating = configuration('MutatingWebhookConfiguration');
    const { workloads, admission } = splitAdmission([validating, deployment, mutating]);
    assert.deepEqual(workloads, [deployment]);
    assert.deepEqual(admission, [validating, mutating]);
  });

  it('puts the caBundle on every webhook of the configurations only', () => {
    const pem = '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n';
    const validating = configuration('ValidatingWebhookConfiguration');
    const [out, unchanged] = withCaBundle([validating, deployment], pem);
    const webhooks = out?.webhooks as { clientConfig: { caBundle?: string; service?: unknown } }[];
    for (const webhook of webhooks)
      assert.equal(Buffer.from(webhook.clientConfig.caBundle ?? '', 'base64').toString(), pem);
    assert.deepEqual(webhooks[0]?.clientConfig.service, { name: 's', namespace: 'n' });
    assert.equal(unchanged, deployment);
    assert.equal(
      (validating.webhooks as { clientConfig: { caBundle?: string } }[])[0]?.clientConfig.caBundle,
      undefined,
      'the input is not changed',
    );
  });
});
