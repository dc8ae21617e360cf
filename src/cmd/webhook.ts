// Entry point of the K8sClaw admission webhook: parses configuration from the environment (zod,
// failing fast with the exact variable), reads its serving certificate and key from
// K8SCLAW_WEBHOOK_TLS_DIR (tls.crt, tls.key) and re-reads them when they change (rotation), serves
// AdmissionReviews over HTTPS and probes on the health port, and on SIGTERM stops taking
// connections and exits 0.
import { z } from 'zod';
import { KubeClient } from '../kube/index.ts';
import { createLogger, startHealthServer } from '../observability/index.ts';
import { kubeAdmissionReads, readTlsFiles, startWebhookServer, watchTlsFiles } from '../webhook/index.ts';

const configSchema = z.object({
  KUBECONFIG: z.string().optional(),
  /** Directory holding tls.crt and tls.key (a kubernetes.io/tls Secret mounted as files). */
  K8SCLAW_WEBHOOK_TLS_DIR: z.string().min(1),
  K8SCLAW_WEBHOOK_PORT: z.coerce.number().int().min(0).max(65535).default(8443),
  K8SCLAW_WEBHOOK_HOST: z.string().min(1).default('0.0.0.0'),
  K8SCLAW_HEALTH_PORT: z.coerce.number().int().min(0).max(65535).default(8081),
  K8SCLAW_HEALTH_HOST: z.string().min(1).default('0.0.0.0'),
  /** How often the certificate files are checked for a rotated pair. */
  K8SCLAW_WEBHOOK_TLS_RELOAD_SECONDS: z.coerce.number().min(0.1).default(30),
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
const tls = await readTlsFiles(config.K8SCLAW_WEBHOOK_TLS_DIR);

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
const tlsWatch = watchTlsFiles({
  dir: config.K8SCLAW_WEBHOOK_TLS_DIR,
  current: tls,
  intervalMs: config.K8SCLAW_WEBHOOK_TLS_RELOAD_SECONDS * 1000,
  onChange: (pair) => {
    server.setTls(pair);
    logger.info('serving certificate reloaded');
  },
  onError: (error) => logger.warn({ err: error }, 'the serving certificate files could not be reloaded'),
});
serving = true;
logger.info({ port: server.port, healthPort: health.port }, 'webhook serving');

await new Promise<void>((resolve) => {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => resolve());
});
serving = false;
logger.info('webhook stopping');
tlsWatch.stop();
await server.close();
await health.close();
logger.info('webhook stopped');
process.exit(0);
