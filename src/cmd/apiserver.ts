// Entry point of the K8sClaw API server: parses configuration from the environment (zod, failing
// fast with the exact variable), wires logger, metrics, the health endpoint and the HTTP API, and
// serves until SIGTERM, then lets requests in flight finish and exits 0. With a database it also
// applies the session store's migrations at start (waiting while the database is unreachable),
// records run events from the event bus, answers runs' history requests, turns chat messages
// from channels into runs and sends their replies back, and records what became of each reply (the
// channel's receipt) on its run: the ReplyDelivered condition, an Event and a metric. It is ready once the migrations are applied
// and stays ready while the database is away: a request that needs it gets a 503 at once, while the
// Kubernetes-backed routes keep working (an unready replica would take both away, and callers
// would see refused connections instead of an answer). The WebSocket event streams follow the
// event bus through one connection made on the first stream.
import { readFileSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import { z } from 'zod';
import {
  createApiApp,
  createEventStreamServer,
  createKubeAccessReviewer,
  parseAllowedOrigins,
  runChannelMessageConsumer,
  runChannelReceiptConsumer,
  runEventRecorderName,
  runRunEventRecorder,
  runRunHistoryResponder,
  startApiServer,
} from '../apiserver/index.ts';
import {
  apiServerInboxPrefix,
  apiServerPermissions,
  connectEventBus,
  issueUserCredentials,
  type AccountSigner,
  type EventBus,
} from '../eventbus/index.ts';
import { EventRecorder, KubeClient } from '../kube/index.ts';
import { createApiServerMetrics, createLogger, startHealthServer } from '../observability/index.ts';
import { isSessionStoreUnavailable, SessionStore } from '../session/index.ts';

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
  /** PostgreSQL of the session store; unset: the session routes answer 503 and no events are recorded. */
  DATABASE_URL: z.string().url().optional(),
  /** How often the database is checked for readiness while it runs. */
  K8SCLAW_DATABASE_CHECK_SECONDS: z.coerce.number().min(0.1).default(5),
  EVENT_BUS_URL: z.string().min(1).default('nats://k8sclaw-nats.k8sclaw-system.svc:4222'),
  /**
   * The event bus account's signer (JSON: accountPublicKey, signingSeed): the API server signs its
   * own credentials with it. Unset: the bus takes connections without credentials (development).
   */
  K8SCLAW_BUS_ACCOUNT_SIGNER_FILE: z.string().min(1).optional(),
  /**
   * Origins (comma-separated `scheme://host[:port]`) whose pages may open the WebSocket streams;
   * requests without an Origin header (clients that are not browsers) always may.
   */
  K8SCLAW_API_ALLOWED_ORIGINS: z
    .string()
    .default('')
    .transform((text, context) => {
      try {
        return parseAllowedOrigins(text);
      } catch (error) {
        context.addIssue({ code: 'custom', message: (error as Error).message });
        return z.NEVER;
      }
    }),
  /** Bytes that may wait unsent to one WebSocket client before it is disconnected as too slow. */
  K8SCLAW_API_STREAM_MAX_BUFFERED_BYTES: z.coerce
    .number()
    .int()
    .min(64 * 1024)
    .default(1024 * 1024),
  /**
   * How often a run's stream checks its AgentRun: a run deleted, or finished for three such
   * periods without its completed event, ends the stream.
   */
  K8SCLAW_API_STREAM_RUN_CHECK_SECONDS: z.coerce.number().min(0.1).default(10),
  /** WebSocket event streams open at once (each holds one ephemeral consumer on the bus). */
  K8SCLAW_API_MAX_STREAMS: z.coerce.number().int().min(1).default(1000),
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
const stop = new AbortController();
let stopped: () => void = () => undefined;
const stopping = new Promise<void>((resolve) => (stopped = resolve));
for (const signal of ['SIGTERM', 'SIGINT'] as const)
  process.once(signal, () => {
    stop.abort();
    stopped();
  });

const store = config.DATABASE_URL
  ? new SessionStore({
      databaseUrl: config.DATABASE_URL,
      onIdleConnectionError: (error) => logger.warn({ err: error }, 'idle database connection lost'),
    })
  : undefined;
let migrated = store === undefined;
let databaseReachable = true;
let serving = false;
const health = await startHealthServer({
  port: config.K8SCLAW_HEALTH_PORT,
  isReady: () => serving && migrated,
  registry: metrics.registry,
});

if (store) {
  // replicas starting together serialise on the migration lock; a database that is not up yet is waited for
  for (let attempt = 0; !stop.signal.aborted; attempt += 1) {
    try {
      const applied = await store.migrate({ log: (message) => logger.debug({ message }, 'migration') });
      logger.info({ applied }, 'session store migrated');
      migrated = true;
      break;
    } catch (error) {
      if (!isSessionStoreUnavailable(error)) {
        // a refused login or a broken migration does not mend by waiting
        logger.error({ err: error }, 'applying the session store migrations failed');
        process.exit(1);
      }
      const retryInMs = Math.min(1000 * 2 ** attempt, 30_000);
      logger.warn({ err: error, retryInMs }, 'database unreachable; migrations wait');
      await delay(retryInMs, undefined, { signal: stop.signal }).catch(() => undefined);
    }
  }
}
const signer = config.K8SCLAW_BUS_ACCOUNT_SIGNER_FILE
  ? (JSON.parse(readFileSync(config.K8SCLAW_BUS_ACCOUNT_SIGNER_FILE, 'utf8')) as AccountSigner)
  : undefined;
/** The API server's bus credentials: its recorder's durable consumer and the streams' followers. */
const busCredentials = async () =>
  signer
    ? {
        credentials: await issueUserCredentials(signer, {
          name: 'k8sclaw-apiserver',
          permissions: apiServerPermissions(runEventRecorderName, {
            // the controller's consumers of completed events and sub-agent requests
            // (src/controller/run/result-consumer.ts, src/controller/subagent/subagent-service.ts)
            protectedDurables: [
              'k8sclaw-controller-results',
              'k8sclaw-controller-subagent-requests',
              'k8sclaw-controller-subagent-answers',
            ],
          }),
        }),
      }
    : {};
const reviewer = createKubeAccessReviewer(kube, {
  cacheTtlMs: config.K8SCLAW_API_REVIEW_CACHE_SECONDS * 1000,
});
/** One connection for every stream, made on the first one; it reconnects by itself afterwards. */
let streamBus: Promise<EventBus> | undefined;
const connectStreamBus = (): Promise<EventBus> => {
  streamBus ??= (async () =>
    await connectEventBus({
      url: config.EVENT_BUS_URL,
      name: 'k8sclaw-apiserver-streams',
      inboxPrefix: apiServerInboxPrefix,
      ...(await busCredentials()),
      connectTimeoutMs: 5_000,
      signal: stop.signal,
      onStatus: (status) =>
        status.type === 'error'
          ? logger.warn({ err: status.error }, 'event bus error on the streams connection')
          : logger.info(
              { status: status.type, server: status.server },
              'event bus connection of the streams',
            ),
    }))();
  // a failed first connection is tried again by the next stream
  streamBus.catch(() => (streamBus = undefined));
  return streamBus;
};
const streams = createEventStreamServer({
  kube,
  reviewer,
  bus: connectStreamBus,
  store,
  logger,
  allowedOrigins: config.K8SCLAW_API_ALLOWED_ORIGINS,
  maxBufferedBytes: config.K8SCLAW_API_STREAM_MAX_BUFFERED_BYTES,
  maxStreams: config.K8SCLAW_API_MAX_STREAMS,
  runEndCheck: {
    intervalMs: config.K8SCLAW_API_STREAM_RUN_CHECK_SECONDS * 1000,
    graceMs: 3 * config.K8SCLAW_API_STREAM_RUN_CHECK_SECONDS * 1000,
  },
});
const app = createApiApp({
  kube,
  reviewer,
  logger,
  maxBodyBytes: config.K8SCLAW_API_MAX_BODY_BYTES,
  observe: ({ method, route, status, seconds }) => {
    metrics.requests.inc({ method, route, status: String(status) });
    metrics.requestDuration.observe({ method, route }, seconds);
  },
  ...(store ? { sessions: store } : {}),
});
const server = await startApiServer(app, {
  port: config.K8SCLAW_API_PORT,
  host: config.K8SCLAW_API_HOST,
  onUpgrade: streams.handleUpgrade,
});
serving = true;
logger.info(
  { port: server.port, healthPort: health.port, sessions: store !== undefined },
  'api server serving',
);

/** Logs when the database goes away and returns, checked on a timer. */
async function watchDatabase(sessionStore: SessionStore): Promise<void> {
  while (!stop.signal.aborted) {
    const reachable = await sessionStore.checkConnection().then(
      () => true,
      (error: unknown) => {
        if (databaseReachable) logger.warn({ err: error }, 'database unreachable; its routes answer 503');
        return false;
      },
    );
    if (reachable && !databaseReachable) logger.info('database reachable again');
    databaseReachable = reachable;
    await delay(config.K8SCLAW_DATABASE_CHECK_SECONDS * 1000, undefined, { signal: stop.signal }).catch(
      () => undefined,
    );
  }
}

const connectBus = async () =>
  await connectEventBus({
    url: config.EVENT_BUS_URL,
    name: 'k8sclaw-apiserver',
    inboxPrefix: apiServerInboxPrefix,
    ...(await busCredentials()),
    signal: stop.signal,
  });
const background = store
  ? [
      watchDatabase(store),
      runRunEventRecorder({
        connect: connectBus,
        store,
        kube,
        logger,
        signal: stop.signal,
        sendChannelReplies: true,
      }),
      // chat messages from the channel pods become runs, whose replies the recorder sends back
      runChannelMessageConsumer({ connect: connectBus, kube, logger, signal: stop.signal }),
      // the channels' receipts of those replies: delivered or not, it shows on the run
      runChannelReceiptConsumer({
        connect: connectBus,
        kube,
        events: new EventRecorder(kube, 'k8sclaw-apiserver'),
        logger,
        signal: stop.signal,
        onRecorded: (channel, outcome) => metrics.channelReplyReceipts.inc({ channel, outcome }),
      }),
      // runs with a session key ask for their history before their agent starts
      runRunHistoryResponder({ connect: connectBus, store, kube, logger, signal: stop.signal }),
    ]
  : [];

await stopping;
serving = false;
logger.info('api server stopping');
await streams.close();
await server.close(config.K8SCLAW_API_SHUTDOWN_GRACE_SECONDS * 1000);
await Promise.allSettled(background);
await streamBus?.then((bus) => bus.close()).catch(() => undefined);
await store?.close();
await health.close();
logger.info('api server stopped');
process.exit(0);
