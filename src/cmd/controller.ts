// Entry point of the controller manager: parses configuration from the environment (zod, failing
// fast with the exact variable), wires logger, metrics, health endpoint and controllers, and runs
// until SIGTERM (exit 0). A fatal error means exit 1: the kubelet restarts the pod with fresh
// caches. Leadership lost is not one: the replica stands by and campaigns again.
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { z } from 'zod';
import {
  ControllerManager,
  registerControllers,
  runResultConsumer,
  runSubagentService,
  type IssueChannelBusCredentials,
  type IssueRunBusCredentials,
} from '../controller/index.ts';
import {
  channelPermissions,
  connectEventBus,
  controllerPermissions,
  issueUserCredentials,
  runBridgePermissions,
  type AccountSigner,
  type EventBus,
} from '../eventbus/index.ts';
import type { RunIdentity, RunInput } from '../api/index.ts';
import { EventRecorder, KubeClient } from '../kube/index.ts';
import { createControllerMetrics, createLogger, startHealthServer } from '../observability/index.ts';

const configSchema = z.object({
  POD_NAMESPACE: z.string().min(1).default('k8sclaw-system'),
  POD_NAME: z.string().min(1).default(os.hostname()),
  KUBECONFIG: z.string().optional(),
  K8SCLAW_HEALTH_PORT: z.coerce.number().int().min(0).max(65535).default(8081),
  K8SCLAW_RESYNC_SECONDS: z.coerce.number().int().min(10).default(300),
  K8SCLAW_LEASE_NAME: z.string().min(1).default('k8sclaw-controller'),
  // a standby takes over within a lease duration of the leader's death; a leader that cannot renew
  // in time (an apiserver outage) stops working and stands by, so short timings cost no restarts
  K8SCLAW_LEASE_DURATION_SECONDS: z.coerce.number().min(1).default(4),
  K8SCLAW_RENEW_DEADLINE_SECONDS: z.coerce.number().min(1).default(3),
  K8SCLAW_RETRY_PERIOD_SECONDS: z.coerce.number().min(0.1).default(0.5),
  LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error']).default('info'),
  EVENT_BUS_URL: z.string().min(1).default('nats://k8sclaw-nats.k8sclaw-system.svc:4222'),
  K8SCLAW_AGENT_IMAGE: z.string().min(1),
  K8SCLAW_IPC_BRIDGE_IMAGE: z.string().min(1),
  /** Channel image; {type} is replaced by telegram, slack, discord or whatsapp. */
  K8SCLAW_CHANNEL_IMAGE: z.string().includes('{type}'),
  K8SCLAW_IMAGE_PULL_POLICY: z.enum(['Always', 'IfNotPresent', 'Never']).optional(),
  /** Arguments of the agent container, space-separated (none: the agent image's default). */
  K8SCLAW_AGENT_ARGS: z.string().optional(),
  /**
   * The event bus account's signer (JSON: accountPublicKey, signingSeed), written by `k8sclaw
   * install`: the controller signs its own credentials and each run's with it. Unset: the bus
   * takes connections without credentials (development).
   */
  K8SCLAW_BUS_ACCOUNT_SIGNER_FILE: z.string().min(1).optional(),
  /** Seconds a finished run waits for its result from the bus before using the termination message. */
  K8SCLAW_RESULT_GRACE_SECONDS: z.coerce.number().min(0).default(20),
});

const parsed = configSchema.safeParse(process.env);
if (!parsed.success) {
  for (const issue of parsed.error.issues)
    console.error(`invalid configuration: ${issue.path.join('.')}: ${issue.message}`);
  process.exit(2);
}
const config = parsed.data;
const logger = createLogger({ component: 'controller', level: config.LOG_LEVEL });
const signer = config.K8SCLAW_BUS_ACCOUNT_SIGNER_FILE
  ? (JSON.parse(readFileSync(config.K8SCLAW_BUS_ACCOUNT_SIGNER_FILE, 'utf8')) as AccountSigner)
  : undefined;
const issueRunBusCredentials: IssueRunBusCredentials | undefined = signer
  ? (identity, expiresAt) =>
      issueUserCredentials(signer, {
        name: `ipc-bridge/${identity.namespace}/${identity.run}`,
        permissions: runBridgePermissions(identity),
        expiresAt,
      })
  : undefined;
// a channel's credentials do not expire: its pod runs for as long as the channel is configured
const issueChannelBusCredentials: IssueChannelBusCredentials | undefined = signer
  ? (identity) =>
      issueUserCredentials(signer, {
        name: `channel/${identity.namespace}/${identity.instance}/${identity.channel}`,
        permissions: channelPermissions(identity),
      })
  : undefined;
const metrics = createControllerMetrics();
const countRunResult = (source: string, outcome: { recorded: boolean; why?: string }) =>
  metrics.runResults.inc({ source, outcome: outcome.recorded ? 'recorded' : (outcome.why ?? 'skipped') });
const kube = KubeClient.load(config.KUBECONFIG);
const manager = new ControllerManager(
  kube,
  {
    leaseNamespace: config.POD_NAMESPACE,
    leaseName: config.K8SCLAW_LEASE_NAME,
    identity: config.POD_NAME,
    resyncMs: config.K8SCLAW_RESYNC_SECONDS * 1000,
    leaseDurationMs: config.K8SCLAW_LEASE_DURATION_SECONDS * 1000,
    renewDeadlineMs: config.K8SCLAW_RENEW_DEADLINE_SECONDS * 1000,
    retryPeriodMs: config.K8SCLAW_RETRY_PERIOD_SECONDS * 1000,
  },
  logger,
  metrics,
);
const stop = new AbortController();
const connectBus = async () =>
  await connectEventBus({
    url: config.EVENT_BUS_URL,
    name: `k8sclaw-controller/${config.POD_NAME}`,
    ...(signer
      ? {
          credentials: await issueUserCredentials(signer, {
            name: 'k8sclaw-controller',
            permissions: controllerPermissions(),
          }),
        }
      : {}),
    signal: stop.signal,
  });
// the reconciler's answers to the parents of sub-agents that end without a result on the bus; a
// bus that is away costs the parent its answer (its call waits until its deadline), never the
// child its status
let answers: Promise<EventBus> | undefined;
const publishRunInput = async (identity: RunIdentity, input: RunInput) => {
  try {
    const bus = await (answers ??= connectBus().catch((error: unknown) => {
      answers = undefined;
      throw error;
    }));
    await bus.publishRunInput(identity, input, { timeoutMs: 10_000 });
  } catch (error) {
    logger.warn(
      { err: error, namespace: identity.namespace, run: identity.run },
      'could not answer a sub-agent parent',
    );
  }
};
registerControllers(manager, {
  publishRunInput,
  kube,
  now: () => new Date(),
  ...(issueRunBusCredentials ? { issueRunBusCredentials } : {}),
  ...(issueChannelBusCredentials ? { issueChannelBusCredentials } : {}),
  onRunResult: countRunResult,
  runs: {
    agentImage: config.K8SCLAW_AGENT_IMAGE,
    ipcBridgeImage: config.K8SCLAW_IPC_BRIDGE_IMAGE,
    eventBusUrl: config.EVENT_BUS_URL,
    busCredentials: signer !== undefined,
    resultGraceMs: config.K8SCLAW_RESULT_GRACE_SECONDS * 1000,
    ...(config.K8SCLAW_IMAGE_PULL_POLICY ? { imagePullPolicy: config.K8SCLAW_IMAGE_PULL_POLICY } : {}),
    ...(config.K8SCLAW_AGENT_ARGS
      ? { agentArgs: config.K8SCLAW_AGENT_ARGS.split(/\s+/).filter(Boolean) }
      : {}),
  },
  instances: {
    channelImage: (type) => config.K8SCLAW_CHANNEL_IMAGE.replaceAll('{type}', type),
    eventBusUrl: config.EVENT_BUS_URL,
    ...(signer ? { channelBusCredentials: { accountPublicKey: signer.accountPublicKey } } : {}),
    ...(config.K8SCLAW_IMAGE_PULL_POLICY ? { imagePullPolicy: config.K8SCLAW_IMAGE_PULL_POLICY } : {}),
  },
  onInformerError: (kind, error, retryInMs) =>
    logger.warn({ kind, err: error, retryInMs }, 'watch failed; restarting'),
});
const health = await startHealthServer({
  port: config.K8SCLAW_HEALTH_PORT,
  isReady: () => manager.isReady,
  registry: metrics.registry,
});
logger.info({ port: health.port, identity: config.POD_NAME }, 'controller manager starting');

// only a signal is a clean stop: returning for any other reason (leadership lost) is a failure
let signalled = false;
for (const signal of ['SIGTERM', 'SIGINT'] as const)
  process.once(signal, () => {
    signalled = true;
    stop.abort();
  });
// every replica consumes results: the durable consumer hands each one to a single replica
const results = runResultConsumer({
  connect: connectBus,
  kube,
  now: () => new Date(),
  logger,
  signal: stop.signal,
  onRunResult: countRunResult,
});
// every replica consumes sub-agent requests and answers too, each handed to one of them
const subagents = runSubagentService({
  connect: connectBus,
  kube,
  recorder: new EventRecorder(kube, 'k8sclaw-controller'),
  now: () => new Date(),
  logger,
  signal: stop.signal,
});
let failed = false;
try {
  await manager.run(stop.signal);
} catch (error) {
  failed = true;
  logger.error({ err: error }, 'controller manager failed');
}
stop.abort();
await Promise.all([results, subagents]);
await (await answers?.catch(() => undefined))?.close();
await health.close();
const exitCode = signalled && !failed ? 0 : 1;
logger.info(
  { exitCode },
  signalled ? 'controller manager stopped' : 'controller manager stopped unexpectedly',
);
process.exit(exitCode);
