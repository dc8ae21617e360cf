import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CliError } from '../cli-error.ts';
import {
  chooseWebhookCertificates,
  describeWebhookCertificates,
  isCertManagerServed,
  type CustomResourceDefinitionLike,
} from './webhook-certificates.ts';

const established = { conditions: [{ type: 'Established', status: 'True' }] };
const crd = (overrides: Partial<CustomResourceDefinitionLike> = {}): CustomResourceDefinitionLike => ({
  spec: { versions: [{ name: 'v1', served: true }] },
  status: established,
  ...overrides,
});

describe('isCertManagerServed', () => {
  it('is true only when both CRDs are established and serve v1', () => {
    assert.equal(isCertManagerServed([crd(), crd()]), true);
    assert.equal(isCertManagerServed([crd(), undefined]), false, 'Issuer CRD absent');
    assert.equal(isCertManagerServed([undefined, undefined]), false);
    assert.equal(isCertManagerServed([crd(), crd({ status: {} })]), false, 'not established yet');
    assert.equal(
      isCertManagerServed([crd(), crd({ spec: { versions: [{ name: 'v1', served: false }] } })]),
      false,
      'v1 not served',
    );
    assert.equal(
      isCertManagerServed([crd({ spec: { versions: [{ name: 'v1alpha2', served: true }] } }), crd()]),
      false,
      'only an old version',
    );
  });
});

describe('chooseWebhookCertificates', () => {
  it('auto picks cert-manager only when it is served', () => {
    assert.equal(chooseWebhookCertificates('auto', true), 'cert-manager');
    assert.equal(chooseWebhookCertificates('auto', false), 'k8sclaw');
  });

  it('an explicit choice is kept', () => {
    assert.equal(chooseWebhookCertificates('k8sclaw', true), 'k8sclaw');
    assert.equal(chooseWebhookCertificates('k8sclaw', false), 'k8sclaw');
    assert.equal(chooseWebhookCertificates('cert-manager', true), 'cert-manager');
  });

  it('cert-manager without cert-manager in the cluster is one clear sentence', () => {
    assert.throws(
      () => chooseWebhookCertificates('cert-manager', false),
      (error: unknown) =>
        error instanceof CliError &&
        error.message ===
          '--webhook-certificates cert-manager needs cert-manager in the cluster, but it does not serve certificates.cert-manager.io and issuers.cert-manager.io (cert-manager.io/v1); install cert-manager first, or use --webhook-certificates k8sclaw',
    );
  });

  it('says how the choice was made', () => {
    assert.equal(
      describeWebhookCertificates('cert-manager', 'auto'),
      'issued by cert-manager, CA injected by its cainjector (auto: cert-manager is served by the cluster)',
    );
    assert.equal(
      describeWebhookCertificates('k8sclaw', 'auto'),
      'kept by the webhook itself (auto: cert-manager is not served by the cluster)',
    );
    assert.equal(describeWebhookCertificates('k8sclaw', 'k8sclaw'), 'kept by the webhook itself');
  });
});
