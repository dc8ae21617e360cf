// Runs the admission webhook binary (src/cmd/webhook.ts) as its own process against a test control
// plane, on free loopback ports, serving a certificate made for 127.0.0.1 by the webhook's own
// certificate code; the CA is what a webhook configuration's caBundle needs.
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
  caCertPem: string;
  logFile: string;
  stop(): Promise<void>;
}

export async function startWebhookProcess(options: { kubeconfig: string }): Promise<WebhookProcess> {
  const port = await findFreePort();
  const healthPort = await findFreePort();
  const dir = await mkdtemp(path.join(os.tmpdir(), 'k8sclaw-webhook-'));
  const tlsDir = path.join(dir, 'tls');
  await mkdir(tlsDir);
  const tls = await generateServingCertificate({ dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] });
  await writeFile(path.join(tlsDir, 'tls.crt'), tls.certPem);
  await writeFile(path.join(tlsDir, 'tls.key'), tls.keyPem, { mode: 0o600 });
  const logFile = path.join(dir, 'webhook.log');
  const proc = new ManagedProcess({
    name: 'webhook',
    command: process.execPath,
    args: [path.join(repoRoot, 'src', 'cmd', 'webhook.ts')],
    logFile,
    env: {
      ...process.env,
      KUBECONFIG: options.kubeconfig,
      K8SCLAW_WEBHOOK_TLS_DIR: tlsDir,
      K8SCLAW_WEBHOOK_HOST: '127.0.0.1',
      K8SCLAW_WEBHOOK_PORT: String(port),
      K8SCLAW_HEALTH_HOST: '127.0.0.1',
      K8SCLAW_HEALTH_PORT: String(healthPort),
    },
  });
  proc.start();
  await proc.waitUntilReady(httpOkProbe(`http://127.0.0.1:${healthPort}/readyz`), 30_000);
  return {
    process: proc,
    url: `https://127.0.0.1:${port}`,
    caCertPem: tls.caCertPem,
    logFile,
    stop: () => proc.stop(),
  };
}
