// Entry point of the K8sClaw admission webhook: parses configuration from the environment (zod,
// failing fast with the exact variable), reads its serving certificate and key from
// K8SCLAW_WEBHOOK_TLS_DIR (tls.crt, tls.key), serves AdmissionReviews over HTTPS and probes on the
// health port, and on SIGTERM stops taking connections and exits 0.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { KubeClient } from '../kube/index.ts';
import { createLogger, startHealthServer } from '../observability/index.ts';
import { kubeAdmissionReads, startWebhookServer } from '../webhook/index.ts';

const configSchema = z.object({
  KUBECONFIG: z.string().optional(),
  /** Directory holding tls.crt and tls.key (a kubernetes.io/tls Secret mounted as files). */
  K8SCLAW_WEBHOOK_TLS_DIR: z.string().min(1),
  K8SCLAW_WEBHOOK_PORT: z.coerce.number().int().min(0).max(65535).default(8443),
  K8SCLAW_WEBHOOK_HOST: z.string().min(1).default('0.0.0.0'),
  K8SCLAW_HEALTH_PORT: z.coerce.number().int().min(0).max(65535).default(8081),
  K8SCLAW_HEALTH_HOST: z.string().min(1).default('0.0.0.0'),
  LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error']).default('info'),
});

const parsed = configSchema.safeParse(process.env);
if (!parsed.success) {
  for (const issue of parsed.error.issues)
    console.error(`invalid configuration: ${issue.path.join('.')}: ${issue.message}`);
  process.exit(2);
}
const config = parsed.data;
const logger = createLogger({ component: 'webhook', level: config.LOG_LEVEL });
const kube = KubeClient.load(config.KUBECONFIG);
const tlsDir = config.K8SCLAW_WEBHOOK_TLS_DIR;
const tls = {
  cert: readFileSync(path.join(tlsDir, 'tls.crt'), 'utf8'),
  key: readFileSync(path.join(tlsDir, 'tls.key'), 'utf8'),
};

let serving = false;
const health = await startHealthServer({
  port: config.K8SCLAW_HEALTH_PORT,
  host: config.K8SCLAW_HEALTH_HOST,
  isReady: () => serving,
});
const server = await startWebhookServer({
  tls,
  reads: kubeAdmissionReads(kube),
  logger,
  port: config.K8SCLAW_WEBHOOK_PORT,
  host: config.K8SCLAW_WEBHOOK_HOST,
});
serving = true;
logger.info({ port: server.port, healthPort: health.port }, 'webhook serving');

await new Promise<void>((resolve) => {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => resolve());
});
serving = false;
logger.info('webhook stopping');
await server.close();
await health.close();
logger.info('webhook stopped');
process.exit(0);
