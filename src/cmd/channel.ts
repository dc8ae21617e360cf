// Entry point of a channel pod (`<instance>-channel-<type>`): reads the environment the controller
// sets from the instance's channel and its Secret (see src/orchestrator/build-channel-deployment.ts),
// connects the chat service's adapter to the event bus through the channel kit, serves /healthz,
// /readyz and /metrics, and runs until SIGTERM. Telegram polls by default, or with TELEGRAM_WEBHOOK_URL and
// TELEGRAM_WEBHOOK_SECRET set serves a webhook on K8SCLAW_WEBHOOK_PORT. Only Telegram exists so
// far; other types exit with 2 and say so.
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { runChannel, TelegramAdapter, type ChannelHealth } from '../channels/index.ts';
import { buildChannelInboxPrefix, connectEventBus, type ChannelIdentity } from '../eventbus/index.ts';
import { createChannelMetrics, createLogger, startHealthServer } from '../observability/index.ts';

const accessControlSchema = z
  .object({
    allowedSenders: z.array(z.string().min(1)).optional(),
    allowedChats: z.array(z.string().min(1)).optional(),
    denyMessage: z.string().optional(),
  })
  .strict();

const configSchema = z.object({
  INSTANCE_NAME: z.string().min(1),
  K8SCLAW_NAMESPACE: z.string().min(1),
  /** The ClawInstance's uid: part of every message id, so no other channel can pre-empt them. */
  K8SCLAW_INSTANCE_UID: z.string().min(1),
  K8SCLAW_CHANNEL_TYPE: z.enum(['telegram', 'slack', 'discord', 'whatsapp']),
  EVENT_BUS_URL: z.string().min(1),
  K8SCLAW_BUS_CREDENTIALS_FILE: z.string().min(1).optional(),
  K8SCLAW_ACCESS_CONTROL: z
    .string()
    .default('{}')
    .transform((text, ctx) => {
      try {
        return accessControlSchema.parse(JSON.parse(text));
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: `not the access control JSON: ${String(error)}` });
        return z.NEVER;
      }
    }),
  TELEGRAM_BOT_TOKEN: z.string().min(1).optional(),
  /** Webhook mode: the public HTTPS URL Telegram posts to, and the secret token it sends along. */
  TELEGRAM_WEBHOOK_URL: z.string().url().optional(),
  TELEGRAM_WEBHOOK_SECRET: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,256}$/, 'must be 1-256 of A-Z, a-z, 0-9, _ and -')
    .optional(),
  /** The port the webhook endpoint listens on. */
  K8SCLAW_WEBHOOK_PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  /** The Bot API root (a local Bot API server, or a fake in tests). */
  K8SCLAW_TELEGRAM_API_ROOT: z.string().url().optional(),
  K8SCLAW_HEALTH_PORT: z.coerce.number().int().min(0).max(65535).default(8081),
  /** First delay before a reply is tried again when the service named none. */
  K8SCLAW_CHANNEL_RETRY_DELAY_MS: z.coerce.number().int().min(1).default(1000),
  LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error']).default('info'),
});

const parsed = configSchema.safeParse(process.env);
if (!parsed.success) {
  for (const issue of parsed.error.issues)
    console.error(`invalid configuration: ${issue.path.join('.')}: ${issue.message}`);
  process.exit(2);
}
const config = parsed.data;
if (config.K8SCLAW_CHANNEL_TYPE !== 'telegram') {
  console.error(
    `invalid configuration: K8SCLAW_CHANNEL_TYPE: the ${config.K8SCLAW_CHANNEL_TYPE} channel is not built yet`,
  );
  process.exit(2);
}
if (!config.TELEGRAM_BOT_TOKEN) {
  console.error('invalid configuration: TELEGRAM_BOT_TOKEN: required for the telegram channel');
  process.exit(2);
}
if (config.TELEGRAM_WEBHOOK_URL && !config.TELEGRAM_WEBHOOK_SECRET) {
  console.error('invalid configuration: TELEGRAM_WEBHOOK_SECRET: required with TELEGRAM_WEBHOOK_URL');
  process.exit(2);
}
const identity: ChannelIdentity = {
  namespace: config.K8SCLAW_NAMESPACE,
  instance: config.INSTANCE_NAME,
  channel: config.K8SCLAW_CHANNEL_TYPE,
};
const logger = createLogger({ component: 'channel', level: config.LOG_LEVEL }).child({
  namespace: identity.namespace,
  instance: identity.instance,
  channel: identity.channel,
});
const stop = new AbortController();
for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => stop.abort());

const credentials = config.K8SCLAW_BUS_CREDENTIALS_FILE
  ? await readFile(config.K8SCLAW_BUS_CREDENTIALS_FILE, 'utf8')
  : undefined;
let health: ChannelHealth | undefined;
const metrics = createChannelMetrics();
const healthServer = await startHealthServer({
  port: config.K8SCLAW_HEALTH_PORT,
  isReady: () => health?.ready() ?? false,
  registry: metrics.registry,
});
const adapter = new TelegramAdapter({
  token: config.TELEGRAM_BOT_TOKEN,
  ...(config.K8SCLAW_TELEGRAM_API_ROOT ? { apiRoot: config.K8SCLAW_TELEGRAM_API_ROOT } : {}),
  ...(config.TELEGRAM_WEBHOOK_URL && config.TELEGRAM_WEBHOOK_SECRET
    ? {
        webhook: {
          url: config.TELEGRAM_WEBHOOK_URL,
          secretToken: config.TELEGRAM_WEBHOOK_SECRET,
          port: config.K8SCLAW_WEBHOOK_PORT,
        },
      }
    : {}),
  onError: (error, what) => logger.error({ err: error, what }, 'telegram error'),
});

let exitCode = 0;
try {
  await runChannel(
    {
      identity,
      instanceUid: config.K8SCLAW_INSTANCE_UID,
      access: config.K8SCLAW_ACCESS_CONTROL,
      adapter,
      connect: async () =>
        await connectEventBus({
          url: config.EVENT_BUS_URL,
          name: `channel/${identity.namespace}/${identity.instance}/${identity.channel}`,
          inboxPrefix: buildChannelInboxPrefix(identity),
          signal: stop.signal,
          ...(credentials ? { credentials } : {}),
          onStatus: (status) => logger.info({ status }, 'event bus connection changed'),
        }),
      logger,
      signal: stop.signal,
      retryDelayMs: config.K8SCLAW_CHANNEL_RETRY_DELAY_MS,
      onOutcome: (kind, outcome) =>
        (kind === 'message' ? metrics.messages : metrics.replies).inc({ outcome }),
    },
    (running) => (health = running),
  );
} catch (error) {
  if (!stop.signal.aborted) {
    logger.error({ err: error }, 'channel failed');
    exitCode = 1;
  }
}
await healthServer.close();
logger.info('channel stopped');
process.exit(exitCode);
