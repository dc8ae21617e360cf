// Entry point of the IPC bridge, the native sidecar of every agent pod: moves the runner's event
// and result files from /ipc to the event bus and follow-up messages from the bus into /ipc. The
// bus may be unreachable at start or go away mid-run: publishing is retried (the files wait), and on
// SIGTERM, which the kubelet sends once the agent container has exited, everything pending is
// flushed before the bridge exits. A run with a session key first gets its session's history from
// the API server (a bus request, bounded in time) into /ipc/history.json, before the bridge reports
// ready and so before the agent starts.
import { readFile, writeFile } from 'node:fs/promises';
import type { EventBus } from '../eventbus/index.ts';
import type { RunInputSource } from '../ipc/index.ts';

// First, before the heavier modules load: a PID 1 ignores a SIGTERM it has no handler for
const stop = new AbortController();
for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => stop.abort());

const { z } = await import('zod');
const { buildRunInboxPrefix, connectEventBus, isPermissionDenied } = await import('../eventbus/index.ts');
const { ensureIpcLayout, provideSessionHistory, runBridge } = await import('../ipc/index.ts');
const { existsSync } = await import('node:fs');
const { createLogger } = await import('../observability/index.ts');

const configSchema = z.object({
  K8SCLAW_RUN_NAME: z.string().min(1),
  K8SCLAW_NAMESPACE: z.string().min(1),
  INSTANCE_NAME: z.string().min(1),
  K8SCLAW_RUN_UID: z.string().min(1),
  EVENT_BUS_URL: z.string().min(1),
  K8SCLAW_BUS_CREDENTIALS_FILE: z.string().min(1).optional(),
  K8SCLAW_IPC_DIR: z.string().min(1).default('/ipc'),
  /** Created once the bridge runs; the pod's startup probe waits for it before starting the agent. */
  K8SCLAW_BRIDGE_READY_FILE: z.string().min(1).optional(),
  K8SCLAW_DRAIN_TIMEOUT_SECONDS: z.coerce.number().min(1).default(20),
  /** Set when the run belongs to a session: its history is asked for before the agent starts. */
  K8SCLAW_SESSION_KEY: z.string().min(1).optional(),
  /** How long to keep asking for the history (well inside the startup probe's 120 s). */
  K8SCLAW_HISTORY_TIMEOUT_SECONDS: z.coerce.number().min(0).max(90).default(20),
  LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error']).default('info'),
});

const parsed = configSchema.safeParse(process.env);
if (!parsed.success) {
  for (const issue of parsed.error.issues)
    console.error(`invalid configuration: ${issue.path.join('.')}: ${issue.message}`);
  process.exit(2);
}
const config = parsed.data;
const identity = {
  namespace: config.K8SCLAW_NAMESPACE,
  instance: config.INSTANCE_NAME,
  run: config.K8SCLAW_RUN_NAME,
  runUid: config.K8SCLAW_RUN_UID,
};
const logger = createLogger({ component: 'ipc-bridge', level: config.LOG_LEVEL }).child({
  namespace: identity.namespace,
  run: identity.run,
});
const credentials = config.K8SCLAW_BUS_CREDENTIALS_FILE
  ? await readFile(config.K8SCLAW_BUS_CREDENTIALS_FILE, 'utf8')
  : undefined;

// one connection, made on first use and again after a failed attempt
let connection: Promise<EventBus> | undefined;
// after the drain nothing is left to publish: an attempt still connecting must not hold the exit
const stopConnecting = new AbortController();
function bus(): Promise<EventBus> {
  connection ??= connectEventBus({
    url: config.EVENT_BUS_URL,
    signal: stopConnecting.signal,
    name: `ipc-bridge/${identity.namespace}/${identity.run}`,
    inboxPrefix: buildRunInboxPrefix(identity),
    connectTimeoutMs: 10_000,
    ...(credentials ? { credentials } : {}),
    onStatus: (status) => logger.info({ status }, 'event bus connection changed'),
  }).catch((error: unknown) => {
    connection = undefined;
    throw error;
  });
  return connection;
}

const inputs: RunInputSource = {
  consume: async (handler, options) => {
    // until the bus answers, inputs simply wait on it; the bridge's own loop keeps running
    for (let delayMs = 1000; !options.signal.aborted; delayMs = Math.min(delayMs * 2, 30_000)) {
      try {
        await (await bus()).consumeRunInput(identity, (input) => handler(input), { signal: options.signal });
        return;
      } catch (error) {
        logger.warn({ err: error, retryInMs: delayMs }, 'cannot consume follow-up messages yet');
        await new Promise((resolve) => setTimeout(resolve, delayMs));
      }
    }
  },
};

void bus().catch(() => undefined); // connect early; publishing retries if this fails
const layout = await ensureIpcLayout(config.K8SCLAW_IPC_DIR);
// asked once per pod: a restarted bridge finds the file its first start wrote (the agent may be running)
if (config.K8SCLAW_SESSION_KEY && !existsSync(layout.history)) {
  await provideSessionHistory(layout, {
    ask: async (timeoutMs) => {
      try {
        return await (await bus()).requestRunHistory(identity, { timeoutMs });
      } catch (error) {
        // asking again cannot change what the credentials allow
        if (isPermissionDenied(error)) {
          return { ok: false, reason: 'Invalid', message: String((error as Error).message).slice(0, 1024) };
        }
        throw error;
      }
    },
    timeoutMs: config.K8SCLAW_HISTORY_TIMEOUT_SECONDS * 1000,
    logger,
    signal: stop.signal,
  });
}
// events written between this and the bridge's first scan are found by that scan
if (config.K8SCLAW_BRIDGE_READY_FILE) await writeFile(config.K8SCLAW_BRIDGE_READY_FILE, '');
const summary = await runBridge({
  dir: config.K8SCLAW_IPC_DIR,
  identity,
  sink: { publish: async (event) => await (await bus()).publishRunEvent(event, { timeoutMs: 10_000 }) },
  inputs,
  signal: stop.signal,
  logger,
  drainTimeoutMs: config.K8SCLAW_DRAIN_TIMEOUT_SECONDS * 1000,
});
stopConnecting.abort();
if (connection) await (await connection.catch(() => undefined))?.close();
process.exit(summary.drained ? 0 : 1);
