import assert from 'node:assert/strict';
import { X509Certificate, createPrivateKey, createPublicKey } from 'node:crypto';
import { describe, it } from 'node:test';
import {
  certificateFacts,
  generateCertificateAuthority,
  generateServingCertificate,
  isSignedBy,
  issueServingCertificate,
  serviceDnsNames,
} from './serving-certificate.ts';

const dayMs = 24 * 60 * 60 * 1000;

describe('generateServingCertificate', () => {
  it('makes a serving certificate that verifies against its CA for the Service names and IPs', async () => {
    const dnsNames = serviceDnsNames('k8sclaw-webhook', 'k8sclaw-system');
    const now = new Date('2026-11-30T12:00:00Z');
    const tls = await generateServingCertificate({
      dnsNames,
      ipAddresses: ['127.0.0.1'],
      now,
      validityDays: 30,
    });
    const ca = new X509Certificate(tls.caCertPem);
    const cert = new X509Certificate(tls.certPem);

    assert.equal(ca.ca, true);
    assert.equal(cert.ca, false);
    assert.ok(cert.checkIssued(ca), 'the CA issued the serving certificate');
    assert.ok(cert.verify(ca.publicKey), "the CA's key signed it");
    for (const name of dnsNames) assert.equal(cert.checkHost(name), name);
    assert.equal(cert.checkIP('127.0.0.1'), '127.0.0.1');
    assert.equal(cert.checkHost('other.k8sclaw-system.svc'), undefined);
    assert.deepEqual(cert.keyUsage, ['1.3.6.1.5.5.7.3.1']);
    assert.equal(new Date(cert.validTo).getTime(), tls.notAfter.getTime());
    assert.ok(new Date(cert.validFrom) < now);
    // the key is the certificate's own
    assert.equal(
      createPublicKey(createPrivateKey(tls.keyPem)).export({ type: 'spki', format: 'der' }).toString('hex'),
      cert.publicKey.export({ type: 'spki', format: 'der' }).toString('hex'),
    );
  });

  it('does not verify against another CA', async () => {
    const one = await generateServingCertificate({ dnsNames: ['a.example'] });
    const other = await generateServingCertificate({ dnsNames: ['a.example'] });
    assert.equal(
      new X509Certificate(one.certPem).verify(new X509Certificate(other.caCertPem).publicKey),
      false,
    );
  });

  it('needs a name', async () => {
    await assert.rejects(generateServingCertificate({ dnsNames: [] }), /at least one DNS name/);
  });
});

describe('serviceDnsNames', () => {
  it('lists the short and qualified names', () => {
    assert.deepEqual(serviceDnsNames('wh', 'ns'), ['wh', 'wh.ns', 'wh.ns.svc', 'wh.ns.svc.cluster.local']);
  });
});

describe('issueServingCertificate and certificateFacts', () => {
  it('issues from an existing CA and reads back the lifetime and names', async () => {
    const now = new Date('2026-11-30T12:00:00Z');
    const ca = await generateCertificateAuthority({ validityMs: 10 * dayMs, now });
    const serving = await issueServingCertificate(ca, {
      dnsNames: ['wh.ns.svc'],
      ipAddresses: ['127.0.0.1'],
      validityMs: dayMs,
      now,
    });
    assert.ok(await isSignedBy(serving.certPem, ca.certPem));
    const other = await generateCertificateAuthority({ validityMs: dayMs });
    assert.equal(await isSignedBy(serving.certPem, other.certPem), false);
    const facts = certificateFacts(serving.certPem);
    assert.deepEqual(facts?.names, ['wh.ns.svc', '127.0.0.1']);
    assert.equal(facts?.notAfter.getTime(), now.getTime() + dayMs);
    assert.ok((facts?.notBefore.getTime() ?? Infinity) < now.getTime());
    assert.equal(certificateFacts(ca.certPem)?.notAfter.getTime(), now.getTime() + 10 * dayMs);
    assert.equal(certificateFacts('not a certificate'), undefined);
  });
});
