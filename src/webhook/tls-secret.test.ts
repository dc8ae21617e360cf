import assert from 'node:assert/strict';
import { createPrivateKey } from 'node:crypto';
import tls from 'node:tls';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { createLogger } from '../observability/index.ts';
import type { AdmissionReads } from './admission-reads.ts';
import { generateServingCertificate } from './serving-certificate.ts';
import { tlsPairOfSecretData } from './tls-secret.ts';
import { startWebhookServer } from './webhook-server.ts';

const noReads: AdmissionReads = {
  instance: () => Promise.reject(new Error('not used')),
  policy: () => Promise.reject(new Error('not used')),
  skillPackExists: () => Promise.reject(new Error('not used')),
  mayGetSecret: () => Promise.reject(new Error('not used')),
  instancesBoundTo: () => Promise.reject(new Error('not used')),
  run: () => Promise.reject(new Error('not used')),
};

const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');

/** Whether a TLS handshake with the server verifies against `ca`. */
function handshakeVerifies(port: number, ca: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = tls.connect({ host: '127.0.0.1', port, ca, servername: 'localhost' }, () => {
      socket.end();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

describe('tlsPairOfSecretData', () => {
  it('reads the pair and the CA of a kubernetes.io/tls Secret as cert-manager writes it, and the server serves it', async () => {
    const issued = await generateServingCertificate({ dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] });
    // cert-manager's Secret: tls.crt, tls.key and ca.crt, base64 in the API; an ECDSA key in its
    // default encoding (PKCS1) is a SEC1 "EC PRIVATE KEY"
    const sec1Key = createPrivateKey(issued.keyPem).export({ type: 'sec1', format: 'pem' }).toString();
    assert.match(sec1Key, /BEGIN EC PRIVATE KEY/);
    const result = tlsPairOfSecretData({
      'tls.crt': b64(issued.certPem),
      'tls.key': b64(sec1Key),
      'ca.crt': b64(issued.caCertPem),
    });
    assert.ok('pair' in result);
    assert.deepEqual(result.pair, { cert: issued.certPem, key: sec1Key });
    assert.equal(result.caCert, issued.caCertPem);

    const server = await startWebhookServer({
      tls: result.pair,
      reads: noReads,
      logger: createLogger({
        component: 'webhook',
        destination: new Writable({ write: (_c, _e, done) => done() }),
      }),
      port: 0,
      host: '127.0.0.1',
    });
    try {
      assert.equal(await handshakeVerifies(server.port, issued.caCertPem), true);
      const stranger = await generateServingCertificate({ dnsNames: ['localhost'] });
      assert.equal(await handshakeVerifies(server.port, stranger.caCertPem), false);
    } finally {
      await server.close();
    }
  });

  it('names what an unfilled Secret lacks instead of serving half a pair', () => {
    assert.deepEqual(tlsPairOfSecretData(undefined), { missing: ['tls.crt', 'tls.key'] });
    assert.deepEqual(tlsPairOfSecretData({ 'tls.crt': b64('x'), 'tls.key': '' }), { missing: ['tls.key'] });
  });

  it('serves a Secret without ca.crt too (the CA is the caBundle, not part of the pair)', () => {
    const result = tlsPairOfSecretData({ 'tls.crt': b64('c'), 'tls.key': b64('k') });
    assert.deepEqual(result, { pair: { cert: 'c', key: 'k' }, caCert: undefined });
  });
});
