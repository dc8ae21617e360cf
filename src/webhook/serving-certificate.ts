// The webhook's TLS material, made in process: a CA, and serving certificates signed by it for the
// names the kube-apiserver dials (the Service's DNS names, or loopback addresses in tests); and the
// facts a renewal decision needs, read back from PEM. EC P-256 keys from Node's WebCrypto,
// certificates built and parsed by @peculiar/x509 (the only importer of it).
// @peculiar/x509 resolves its algorithms through tsyringe, which needs the Reflect metadata polyfill
// loaded first.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { webcrypto } from 'node:crypto';

const keyAlgorithm = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const signingAlgorithm = { name: 'ECDSA', hash: 'SHA-256' } as const;
const dayMs = 24 * 60 * 60 * 1000;
/**
 * Clocks of the apiserver and the webhook may differ a little: certificates start this much before
 * they are made (a tenth of a short lifetime, so the renewal window stays a share of the validity).
 */
const backdateMs = (validityMs: number) => Math.min(5 * 60 * 1000, validityMs / 10);

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

/** A CA: its certificate and its PKCS#8 signing key, both PEM. */
export interface CertificateAuthority {
  certPem: string;
  keyPem: string;
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

/** A new self-signed CA valid for `validityMs` from `now` (backdated a little for clock skew). */
export async function generateCertificateAuthority(options: {
  validityMs: number;
  now?: Date;
}): Promise<CertificateAuthority> {
  const now = options.now ?? new Date();
  const keys = await webcrypto.subtle.generateKey(keyAlgorithm, true, ['sign', 'verify']);
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerial(),
    name: 'CN=k8sclaw-webhook-ca',
    notBefore: new Date(now.getTime() - backdateMs(options.validityMs)),
    notAfter: new Date(now.getTime() + options.validityMs),
    keys,
    signingAlgorithm,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { certPem: ca.toString('pem'), keyPem: await exportPkcs8(keys.privateKey) };
}

/** A serving certificate for `dnsNames` and `ipAddresses`, signed by `authority`. */
export async function issueServingCertificate(
  authority: CertificateAuthority,
  options: { dnsNames: string[]; ipAddresses?: string[]; validityMs: number; now?: Date },
): Promise<{ certPem: string; keyPem: string; notAfter: Date }> {
  const now = options.now ?? new Date();
  const [firstName] = options.dnsNames;
  if (firstName === undefined) throw new Error('a serving certificate needs at least one DNS name');
  const ca = new x509.X509Certificate(authority.certPem);
  const caKey = await webcrypto.subtle.importKey(
    'pkcs8',
    x509.PemConverter.decodeFirst(authority.keyPem),
    keyAlgorithm,
    false,
    ['sign'],
  );
  const keys = await webcrypto.subtle.generateKey(keyAlgorithm, true, ['sign', 'verify']);
  const names = [
    ...options.dnsNames.map((value) => ({ type: 'dns' as const, value })),
    ...(options.ipAddresses ?? []).map((value) => ({ type: 'ip' as const, value })),
  ];
  const notAfter = new Date(now.getTime() + options.validityMs);
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    subject: `CN=${firstName}`,
    issuer: ca.subject,
    notBefore: new Date(now.getTime() - backdateMs(options.validityMs)),
    notAfter,
    publicKey: keys.publicKey,
    signingKey: caKey,
    signingAlgorithm,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension(names),
      await x509.AuthorityKeyIdentifierExtension.create(ca, false),
    ],
  });
  return { certPem: cert.toString('pem'), keyPem: await exportPkcs8(keys.privateKey), notAfter };
}

/** A CA and a serving certificate from it in one step (the CA lives twice as long). */
export async function generateServingCertificate(
  request: ServingCertificateRequest,
): Promise<ServingCertificate> {
  const validityMs = (request.validityDays ?? 365) * dayMs;
  const now = request.now ?? new Date();
  if (request.dnsNames.length === 0) throw new Error('a serving certificate needs at least one DNS name');
  const ca = await generateCertificateAuthority({ validityMs: 2 * validityMs, now });
  const serving = await issueServingCertificate(ca, {
    dnsNames: request.dnsNames,
    ...(request.ipAddresses ? { ipAddresses: request.ipAddresses } : {}),
    validityMs,
    now,
  });
  return { caCertPem: ca.certPem, ...serving };
}

/** What a renewal decision needs to know about one certificate. */
export interface CertificateFacts {
  notBefore: Date;
  notAfter: Date;
  /** DNS names and IP addresses of its subjectAltName. */
  names: string[];
}

/** The facts of a PEM certificate, or undefined when it does not parse. */
export function certificateFacts(pem: string): CertificateFacts | undefined {
  try {
    const cert = new x509.X509Certificate(pem);
    const san = cert.getExtension(x509.SubjectAlternativeNameExtension);
    return {
      notBefore: cert.notBefore,
      notAfter: cert.notAfter,
      names: (san?.names.items ?? [])
        .filter((name) => name.type === 'dns' || name.type === 'ip')
        .map((name) => name.value),
    };
  } catch {
    return undefined;
  }
}

/** Whether the certificate `certPem` carries a valid signature of the CA `caPem`. */
export async function isSignedBy(certPem: string, caPem: string): Promise<boolean> {
  try {
    const ca = new x509.X509Certificate(caPem);
    return await new x509.X509Certificate(certPem).verify({ publicKey: ca, signatureOnly: true });
  } catch {
    return false;
  }
}

async function exportPkcs8(key: webcrypto.CryptoKey): Promise<string> {
  return x509.PemConverter.encode(await webcrypto.subtle.exportKey('pkcs8', key), 'PRIVATE KEY');
}

/** A positive 16-byte serial in hex (the high bit cleared so it is not read as negative). */
function randomSerial(): string {
  const bytes = webcrypto.getRandomValues(new Uint8Array(16));
  bytes[0] = (bytes[0] ?? 0) & 0x7f;
  return Buffer.from(bytes).toString('hex');
}
