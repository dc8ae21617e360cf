// The webhook's TLS material, made in process: a CA and a serving certificate signed by it for the
// names the kube-apiserver dials (the Service's DNS names, or loopback addresses in tests). EC P-256
// keys from Node's WebCrypto, certificates built by @peculiar/x509 (the only importer of it).
// @peculiar/x509 resolves its algorithms through tsyringe, which needs the Reflect metadata polyfill
// loaded first.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { webcrypto } from 'node:crypto';

const keyAlgorithm = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const signingAlgorithm = { name: 'ECDSA', hash: 'SHA-256' } as const;
const dayMs = 24 * 60 * 60 * 1000;
/** Clocks of the apiserver and the webhook may differ a little. */
const backdateMs = 5 * 60 * 1000;

export interface ServingCertificateRequest {
  dnsNames: string[];
  ipAddresses?: string[];
  /** Validity of the serving certificate (the CA lives twice as long). Default 365 days. */
  validityDays?: number;
  now?: Date;
}

export interface ServingCertificate {
  /** PEM of the CA: the configurations' caBundle. */
  caCertPem: string;
  certPem: string;
  /** PKCS#8 PEM of the serving key. */
  keyPem: string;
  notAfter: Date;
}

/** The names a Service answers to inside the cluster, as the apiserver may dial them. */
export function serviceDnsNames(service: string, namespace: string): string[] {
  return [
    service,
    `${service}.${namespace}`,
    `${service}.${namespace}.svc`,
    `${service}.${namespace}.svc.cluster.local`,
  ];
}

export async function generateServingCertificate(
  request: ServingCertificateRequest,
): Promise<ServingCertificate> {
  const now = request.now ?? new Date();
  const notBefore = new Date(now.getTime() - backdateMs);
  const validityMs = (request.validityDays ?? 365) * dayMs;
  const notAfter = new Date(now.getTime() + validityMs);
  const [firstName] = request.dnsNames;
  if (firstName === undefined) throw new Error('a serving certificate needs at least one DNS name');

  const caKeys = await webcrypto.subtle.generateKey(keyAlgorithm, true, ['sign', 'verify']);
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerial(),
    name: 'CN=k8sclaw-webhook-ca',
    notBefore,
    notAfter: new Date(now.getTime() + 2 * validityMs),
    keys: caKeys,
    signingAlgorithm,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(caKeys.publicKey),
    ],
  });

  const keys = await webcrypto.subtle.generateKey(keyAlgorithm, true, ['sign', 'verify']);
  const names = [
    ...request.dnsNames.map((value) => ({ type: 'dns' as const, value })),
    ...(request.ipAddresses ?? []).map((value) => ({ type: 'ip' as const, value })),
  ];
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    subject: `CN=${firstName}`,
    issuer: ca.subject,
    notBefore,
    notAfter,
    publicKey: keys.publicKey,
    signingKey: caKeys.privateKey,
    signingAlgorithm,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension(names),
      await x509.AuthorityKeyIdentifierExtension.create(ca, false),
    ],
  });

  const pkcs8 = await webcrypto.subtle.exportKey('pkcs8', keys.privateKey);
  return {
    caCertPem: ca.toString('pem'),
    certPem: cert.toString('pem'),
    keyPem: x509.PemConverter.encode(pkcs8, 'PRIVATE KEY'),
    notAfter,
  };
}

/** A positive 16-byte serial in hex (the high bit cleared so it is not read as negative). */
function randomSerial(): string {
  const bytes = webcrypto.getRandomValues(new Uint8Array(16));
  bytes[0] = (bytes[0] ?? 0) & 0x7f;
  return Buffer.from(bytes).toString('hex');
}
