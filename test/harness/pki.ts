// Local PKI for test and local-cluster servers, made with the openssl CLI: one CA, serving and
// client certificates signed by it, and the service-account signing key pair. EC P-256 keys keep
// generation fast. Everything is written under one directory that the caller owns and removes.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface KeyPairFiles {
  certFile: string;
  keyFile: string;
}

export interface CertificateRequest {
  /** File stem, e.g. `apiserver` → apiserver.crt / apiserver.key. */
  name: string;
  commonName: string;
  organizations?: string[];
  dnsNames?: string[];
  ipAddresses?: string[];
  usage: 'server' | 'client' | 'server-and-client';
}

const validityDays = '3650';

async function generateKey(keyFile: string): Promise<void> {
  await run('openssl', [
    'genpkey',
    '-algorithm',
    'EC',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-out',
    keyFile,
  ]);
}

export async function createCertificateAuthority(dir: string, commonName: string): Promise<KeyPairFiles> {
  const keyFile = path.join(dir, 'ca.key');
  const certFile = path.join(dir, 'ca.crt');
  await generateKey(keyFile);
  await run('openssl', [
    'req',
    '-x509',
    '-new',
    '-key',
    keyFile,
    '-out',
    certFile,
    '-days',
    validityDays,
    '-subj',
    `/CN=${commonName}`,
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign,digitalSignature',
  ]);
  return { certFile, keyFile };
}

export function buildSubject(commonName: string, organizations: string[] = []): string {
  return [...organizations.map((o) => `/O=${o}`), `/CN=${commonName}`].join('');
}

export function buildExtensions(request: CertificateRequest): string {
  const extendedUsage = {
    server: 'serverAuth',
    client: 'clientAuth',
    'server-and-client': 'serverAuth,clientAuth',
  }[request.usage];
  const altNames = [
    ...(request.dnsNames ?? []).map((dns) => `DNS:${dns}`),
    ...(request.ipAddresses ?? []).map((ip) => `IP:${ip}`),
  ];
  return [
    'basicConstraints=CA:FALSE',
    'keyUsage=critical,digitalSignature,keyEncipherment',
    `extendedKeyUsage=${extendedUsage}`,
    ...(altNames.length > 0 ? [`subjectAltName=${altNames.join(',')}`] : []),
  ].join('\n');
}

export async function issueCertificate(
  ca: KeyPairFiles,
  dir: string,
  request: CertificateRequest,
): Promise<KeyPairFiles> {
  const keyFile = path.join(dir, `${request.name}.key`);
  const certFile = path.join(dir, `${request.name}.crt`);
  const csrFile = path.join(dir, `${request.name}.csr`);
  const extFile = path.join(dir, `${request.name}.ext`);
  await generateKey(keyFile);
  await writeFile(extFile, buildExtensions(request) + '\n');
  await run('openssl', [
    'req',
    '-new',
    '-key',
    keyFile,
    '-out',
    csrFile,
    '-subj',
    buildSubject(request.commonName, request.organizations),
  ]);
  await run('openssl', [
    'x509',
    '-req',
    '-in',
    csrFile,
    '-CA',
    ca.certFile,
    '-CAkey',
    ca.keyFile,
    '-out',
    certFile,
    '-days',
    validityDays,
    '-extfile',
    extFile,
    // a random serial instead of a shared serial file, so certificates can be issued in parallel
    '-set_serial',
    `0x${randomBytes(16).toString('hex')}`,
  ]);
  return { certFile, keyFile };
}

/** The key pair the apiserver signs (private) and verifies (public) service-account tokens with. */
export async function createServiceAccountKeyPair(
  dir: string,
): Promise<{ privateKeyFile: string; publicKeyFile: string }> {
  const privateKeyFile = path.join(dir, 'sa.key');
  const publicKeyFile = path.join(dir, 'sa.pub');
  await generateKey(privateKeyFile);
  await run('openssl', ['pkey', '-in', privateKeyFile, '-pubout', '-out', publicKeyFile]);
  return { privateKeyFile, publicKeyFile };
}
