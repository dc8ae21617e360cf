// Entry point of the K8sClaw API server: parses configuration from the environment (zod, failing
// fast with the exact variable), wires logger, metrics, the health endpoint and the HTTP API, and
// serves until SIGTERM, then lets requests in flight finish and exits 0.
import { z } from 'zod';
import { createApiApp, createKubeAccessReviewer, startApiServer } from '../apiserver/index.ts';
import { KubeClient } from '../kube/index.ts';
import { createApiServerMetrics, createLogger, startHealthServer } from '../observability/index.ts';

const configSchema = z.object({
  KUBECONFIG: z.string().optional(),
  K8SCLAW_API_PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  K8SCLAW_API_HOST: z.string().min(1).default('0.0.0.0'),
  K8SCLAW_HEALTH_PORT: z.coerce.number().int().min(0).max(65535).default(8081),
  /** Largest request body accepted, in bytes. */
  K8SCLAW_API_MAX_BODY_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(256 * 1024),
  /** How long TokenReview and SubjectAccessReview answers are reused (0: not at all). */
  K8SCLAW_API_REVIEW_CACHE_SECONDS: z.coerce.number().min(0).max(300).default(10),
  /** Seconds requests in flight get to finish after SIGTERM. */
  K8SCLAW_API_SHUTDOWN_GRACE_SECONDS: z.coerce.number().min(0).default(10),
  LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error']).default('info'),
});

const parsed = configSchema.safeParse(process.env);
if (!parsed.success) {
  for (const issue of parsed.error.issues)
    console.error(`invalid configuration: ${issue.path.join('.')}: ${issue.message}`);
  process.exit(2);
}
const config = parsed.data;
const logger = createLogger({ component: 'apiserver', level: config.LOG_LEVEL });
const kube = KubeClient.load(config.KUBECONFIG);
const metrics = createApiServerMetrics();
const app = createApiApp({
  kube,
  reviewer: createKubeAccessReviewer(kube, { cacheTtlMs: config.K8SCLAW_API_REVIEW_CACHE_SECONDS * 1000 }),
  logger,
  maxBodyBytes: config.K8SCLAW_API_MAX_BODY_BYTES,
  observe: ({ method, route, status, seconds }) => {
    metrics.requests.inc({ method, route, status: String(status) });
    metrics.requestDuration.observe({ method, route }, seconds);
  },
});
let serving = false;
const health = await startHealthServer({
  port: config.K8SCLAW_HEALTH_PORT,
  isReady: () => serving,
  registry: metrics.registry,
});
const server = await startApiServer(app, { port: config.K8SCLAW_API_PORT, host: config.K8SCLAW_API_HOST });
serving = true;
logger.info({ port: server.port, healthPort: health.port }, 'api server serving');

await new Promise<void>((resolve) => {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => resolve());
});
serving = false;
logger.info('api server stopping');
await server.close(config.K8SCLAW_API_SHUTDOWN_GRACE_SECONDS * 1000);
await health.close();
logger.info('api server stopped');
process.exit(0);
