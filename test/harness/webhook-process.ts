// Runs the admission webhook binary (src/cmd/webhook.ts) as its own process against a test control
// plane, on free loopback ports. By default it serves a certificate made here for 127.0.0.1 by the
// webhook's own certificate code (the CA is what a webhook configuration's caBundle needs); with
// `tlsSecret` it keeps its own certificates for 127.0.0.1 in that Secret, as installed; with
// `issuedSecret` it serves a Secret that something else (cert-manager, as installed) keeps.
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { generateServingCertificate } from '../../src/webhook/index.ts';
import { repoRoot } from './binaries.ts';
import { findFreePort } from './free-port.ts';
import { ManagedProcess } from './managed-process.ts';
import { httpOkProbe } from './probes.ts';

export interface WebhookProcess {
  process: ManagedProcess;
  /** https://127.0.0.1:<port> */
  url: string;
  /** The CA of the certificate made here (not with `tlsSecret`: the webhook makes its own). */
  caCertPem: string | undefined;
  logFile: string;
  stop(): Promise<void>;
}

export interface WebhookTlsSecret {
  namespace: string;
  name: string;
  /** Name of the Validating- and MutatingWebhookConfiguration whose caBundle it keeps. */
  configurationName: string;
  caValiditySeconds?: number;
  certValiditySeconds?: number;
  checkSeconds?: number;
}

/** A kubernetes.io/tls Secret kept elsewhere, which the webhook only reads. */
export interface WebhookIssuedSecret {
  namespace: string;
  name: string;
  /** The configurations a keeper would patch, were one (wrongly) running. */
  configurationName: string;
  checkSeconds?: number;
}

export async function startWebhookProcess(options: {
  kubeconfig: string;
  tlsSecret?: WebhookTlsSecret;
  issuedSecret?: WebhookIssuedSecret;
  /** The user the controller creates sub-agent runs as (K8SCLAW_CONTROLLER_USERNAME). */
  controllerUsername?: string;
}): Promise<WebhookProcess> {
  const port = await findFreePort();
  const healthPort = await findFreePort();
  const dir = await mkdtemp(path.join(os.tmpdir(), 'k8sclaw-webhook-'));
  let caCertPem: string | undefined;
  let tlsEnv: Record<string, string>;
  const secret = options.tlsSecret;
  const issued = options.issuedSecret;
  if (issued) {
    tlsEnv = {
      K8SCLAW_WEBHOOK_CERTIFICATES: 'cert-manager',
      K8SCLAW_WEBHOOK_TLS_SECRET: issued.name,
      K8SCLAW_WEBHOOK_NAMESPACE: issued.namespace,
      K8SCLAW_WEBHOOK_CONFIGURATION: issued.configurationName,
      K8SCLAW_WEBHOOK_CERT_HOSTS: 'localhost,127.0.0.1',
      ...(issued.checkSeconds ? { K8SCLAW_WEBHOOK_CERT_CHECK_SECONDS: String(issued.checkSeconds) } : {}),
    };
  } else if (secret) {
    tlsEnv = {
      K8SCLAW_WEBHOOK_TLS_SECRET: secret.name,
      K8SCLAW_WEBHOOK_NAMESPACE: secret.namespace,
      K8SCLAW_WEBHOOK_CONFIGURATION: secret.configurationName,
      K8SCLAW_WEBHOOK_CERT_HOSTS: 'localhost,127.0.0.1',
      ...(secret.caValiditySeconds
        ? { K8SCLAW_WEBHOOK_CA_VALIDITY_SECONDS: String(secret.caValiditySeconds) }
        : {}),
      ...(secret.certValiditySeconds
        ? { K8SCLAW_WEBHOOK_CERT_VALIDITY_SECONDS: String(secret.certValiditySeconds) }
        : {}),
      ...(secret.checkSeconds ? { K8SCLAW_WEBHOOK_CERT_CHECK_SECONDS: String(secret.checkSeconds) } : {}),
    };
  } else {
    const tlsDir = path.join(dir, 'tls');
    await mkdir(tlsDir);
    const tls = await generateServingCertificate({ dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] });
    await writeFile(path.join(tlsDir, 'tls.crt'), tls.certPem);
    await writeFile(path.join(tlsDir, 'tls.key'), tls.keyPem, { mode: 0o600 });
    caCertPem = tls.caCertPem;
    tlsEnv = { K8SCLAW_WEBHOOK_TLS_DIR: tlsDir };
  }
  const logFile = path.join(dir, 'webhook.log');
  const proc = new ManagedProcess({
    name: 'webhook',
    command: process.execPath,
    args: [path.join(repoRoot, 'src', 'cmd', 'webhook.ts')],
    logFile,
    env: {
      ...process.env,
      KUBECONFIG: options.kubeconfig,
      ...tlsEnv,
      K8SCLAW_WEBHOOK_HOST: '127.0.0.1',
      K8SCLAW_WEBHOOK_PORT: String(port),
      K8SCLAW_HEALTH_HOST: '127.0.0.1',
      K8SCLAW_HEALTH_PORT: String(healthPort),
      ...(options.controllerUsername ? { K8SCLAW_CONTROLLER_USERNAME: options.controllerUsername } : {}),
    },
  });
  proc.start();
  await proc.waitUntilReady(httpOkProbe(`http://127.0.0.1:${healthPort}/readyz`), 30_000);
  return {
    process: proc,
    url: `https://127.0.0.1:${port}`,
    caCertPem,
    logFile,
    stop: () => proc.stop(),
  };
}
