// Entry point of a channel pod (`<instance>-channel-<type>`): reads the environment the controller
// sets from the instance's channel and its Secret (see src/orchestrator/build-channel-deployment.ts),
// connects the chat service's adapter to the event bus through the channel kit, serves /healthz,
// /readyz and /metrics, and runs until SIGTERM. Each service's own settings (tokens, webhook mode)
// are read by its adapter factory (src/channels/channel-adapters.ts); a missing or wrong one exits
// with 2 and names the variable.
import { readFile, writeFile } from 'node:fs/promises';
import { z } from 'zod';
import {
  buildTerminationMessage,
  channelAdapters,
  defaultMaxDeliveries,
  runChannel,
  secretValues,
  type ChannelAdapter,
  type ChannelHealth,
} from '../channels/index.ts';
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
  /** Where to say why the program stopped (the pod's termination message). */
  K8SCLAW_TERMINATION_MESSAGE_FILE: z.string().min(1).optional(),
  K8SCLAW_HEALTH_PORT: z.coerce.number().int().min(0).max(65535).default(8081),
  /** First delay before a reply is tried again when the service named none. */
  K8SCLAW_CHANNEL_RETRY_DELAY_MS: z.coerce.number().int().min(1).default(1000),
  /** The delivery from the bus on which a reply that still fails is given up, with a receipt saying so. */
  K8SCLAW_CHANNEL_MAX_DELIVERIES: z.coerce.number().int().min(1).default(defaultMaxDeliveries),
  LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error']).default('info'),
});

const parsed = configSchema.safeParse(process.env);
if (!parsed.success) {
  for (const issue of parsed.error.issues)
    console.error(`invalid configuration: ${issue.path.join('.')}: ${issue.message}`);
  process.exit(2);
}
const config = parsed.data;
const createAdapter = channelAdapters[config.K8SCLAW_CHANNEL_TYPE];
if (!createAdapter) {
  console.error(
    `invalid configuration: K8SCLAW_CHANNEL_TYPE: the ${config.K8SCLAW_CHANNEL_TYPE} channel is not built yet`,
  );
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
let adapter: ChannelAdapter;
try {
  adapter = createAdapter(process.env, (error, what) =>
    logger.error({ err: error, what }, `${identity.channel} error`),
  );
} catch (error) {
  if (!(error instanceof z.ZodError)) throw error;
  for (const issue of error.issues)
    console.error(`invalid configuration: ${issue.path.join('.')}: ${issue.message}`);
  await healthServer.close();
  process.exit(2);
}

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
      maxDeliveries: config.K8SCLAW_CHANNEL_MAX_DELIVERIES,
      secrets: secretValues(process.env),
      onOutcome: (kind, outcome) =>
        (kind === 'message' ? metrics.messages : metrics.replies).inc({ outcome }),
    },
    (running) => (health = running),
  );
} catch (error) {
  if (!stop.signal.aborted) {
    logger.error({ err: error }, 'channel failed');
    exitCode = 1;
    if (config.K8SCLAW_TERMINATION_MESSAGE_FILE) {
      await writeFile(
        config.K8SCLAW_TERMINATION_MESSAGE_FILE,
        buildTerminationMessage(error, secretValues(process.env)),
      ).catch((writeError: unknown) =>
        logger.warn({ err: writeError }, 'the termination message was not written'),
      );
    }
  }
}
await healthServer.close();
logger.info('channel stopped');
process.exit(exitCode);
