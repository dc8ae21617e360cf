// The K8sClaw side of a chat channel on the host, as the integration tests and benchmarks of the
// channels use it: a real nats-server with the bus authority (the streams created as the
// controller would), a real PostgreSQL, a tenant namespace with a ClawInstance having one channel
// and a tenant ServiceAccount, and the API server binary with its own ServiceAccount. The channel
// program (src/cmd/channel.ts) is started as a process with the environment the controller's
// Deployment gives it (buildChannelDeployment) and its own bus credentials, and a run's completion
// is published as its IPC bridge would, with the run's own credentials. It also reads back what the
// tests check: the runs, a run's ReplyDelivered condition and Events, a session's turns, the API
// server's /metrics. The service's fake is the caller's. Needs `K8SCLAW_TEST_KUBECONFIG` (the integration global setup sets it; a benchmark sets
// it to the control plane it started).
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { AgentRun, ClawInstance, Condition, RunEvent, RunIdentity } from '../../src/api/index.ts';
import {
  buildChannelInboxPrefix,
  channelPermissions,
  connectEventBus,
  issueUserCredentials,
  runBridgePermissions,
  type BusAuthority,
  type EventBus,
} from '../../src/eventbus/index.ts';
import type { KubeClient } from '../../src/kube/index.ts';
import { buildChannelDeployment } from '../../src/orchestrator/index.ts';
import { instanceManifest } from '../fixtures/k8sclaw-objects.ts';
import { callApi } from '../integration/apiserver/api-fixtures.ts';
import { eventually } from './eventually.ts';
import type { ApiServerProcess } from './api-server-process.ts';
import { startApiServerStack } from './api-server-stack.ts';
import { repoRoot } from './binaries.ts';
import { findFreePort } from './free-port.ts';
import { ManagedProcess } from './managed-process.ts';
import { httpOkProbe } from './probes.ts';
import type { NatsServer } from './nats-server.ts';
import type { PostgresServer } from './postgres.ts';
import { buildCompletedEvent, connectAsBridge } from './run-stand-ins.ts';

const group = { group: 'k8sclaw.io', version: 'v1alpha1' };

/** One entry of a ClawInstance's `channels`. */
export type ChannelSpec = NonNullable<ClawInstance['spec']['channels']>[number];

export interface ChannelStackOptions {
  /** The admin client of the control plane. */
  kube: KubeClient;
  /** Prefix of the namespaces (`<name>`, `<name>-tenant`) and the database's name. */
  name: string;
  /** The instance's one channel. */
  channel: ChannelSpec;
  instanceName?: string;
  /** LOG_LEVEL of the API server and the channel (default info). */
  logLevel?: string;
}

export interface StartChannelOptions {
  /** The keys the channel's Secret holds (each must be one the Deployment takes from it). */
  secrets: NodeJS.ProcessEnv;
  /** More environment, e.g. ports that stand in for the pod's. */
  env?: NodeJS.ProcessEnv;
}

export interface ChannelProcess {
  process: ManagedProcess;
  /** Its health port: /readyz, /metrics. */
  healthUrl: string;
  /** Starts it again after it crashed or stopped, with the same environment, and waits until ready. */
  restart(): Promise<void>;
  /** Its /metrics text. */
  metrics(): Promise<string>;
}

/** An Event recorded on a run, as the tests compare it. */
export interface RunEventRecord {
  type?: string;
  reason?: string;
  message?: string;
}

/** A chat message published as the channel would, for an instance of the given uid. */
export interface ChannelMessageStandIn {
  id: string;
  instanceUid: string;
  chatId: string;
  text: string;
}

/** A turn of a session, as the API server lists it. */
export interface SessionTurn {
  role: string;
  content: string;
}

/** A run's bridge, connected with the run's own credentials. */
export interface RunBridgeStandIn {
  bus: EventBus;
  /** Publishes the run's completion (seq 1: no earlier events, so it is recorded at once). */
  complete(response: string): Promise<void>;
  close(): Promise<void>;
}

export interface ChannelStack {
  authority: BusAuthority;
  nats: NatsServer;
  postgres: PostgresServer;
  databaseUrl: string;
  systemNs: string;
  tenantNs: string;
  /** A bearer token of a tenant ServiceAccount with the tenant's rights in tenantNs. */
  tenantToken: string;
  instance: ClawInstance;
  server: ApiServerProcess;
  /** The channel program for the instance's channel, ready (its /readyz answered). */
  startChannel(options: StartChannelOptions): Promise<ChannelProcess>;
  listRuns(): Promise<AgentRun[]>;
  /** The run of the message with this text, once the API server created it. */
  runOfTask(task: string): Promise<AgentRun>;
  /** How many runs have this task now. */
  runsOfTask(task: string): Promise<number>;
  /** The run's identity on the bus. */
  identityOf(run: AgentRun): RunIdentity;
  /** Publishes `events` in order as the run's IPC bridge, with the run's own credentials. */
  publishAsBridge(run: AgentRun, events: readonly RunEvent[]): Promise<void>;
  /** A bus connection with the channel's own credentials, as a channel program would have. */
  connectAsChannel(name: string): Promise<EventBus>;
  /** Publishes chat messages in order with the channel's credentials, as from `sender` 42. */
  publishAsChannel(messages: readonly ChannelMessageStandIn[]): Promise<void>;
  /** The run's ReplyDelivered condition, once the API server recorded the reply's receipt. */
  replyDelivered(run: AgentRun): Promise<Condition>;
  /** The Events recorded on the run (by the API server: no controller runs here). */
  eventsOf(run: AgentRun): Promise<RunEventRecord[]>;
  /** The session's turns, read by the tenant through the API server, with the answer's status. */
  sessionTurns(sessionKey: string): Promise<{ status: number; turns: SessionTurn[] }>;
  /** The API server's /metrics text. */
  apiServerMetrics(): Promise<string>;
  /** Connects as the run's IPC bridge would, with the run's own credentials. */
  connectBridge(run: AgentRun): Promise<RunBridgeStandIn>;
  /** The run's bridge publishes its completion with `response`. */
  completeRun(run: AgentRun, response: string): Promise<void>;
  /** Stops what it started (the channels too) and removes the namespaces; the fake is the caller's. */
  stop(): Promise<void>;
}

export async function startChannelStack(options: ChannelStackOptions): Promise<ChannelStack> {
  const { kube, channel } = options;
  const instanceName = options.instanceName ?? 'claw';
  const logLevel = options.logLevel ?? 'info';
  let channelsStarted = 0;
  const stack = await startApiServerStack({
    kube,
    name: options.name,
    tenants: ['ada'],
    env: { LOG_LEVEL: logLevel },
  });
  const { authority, nats, postgres, databaseUrl, dir, systemNs, server } = stack;
  const { namespace: tenantNs, token: tenantToken } = stack.tenant;
  const stop = stack.stop;
  try {
    const instance = (await kube.customObjects.createNamespacedCustomObject({
      ...group,
      namespace: tenantNs,
      plural: 'clawinstances',
      body: instanceManifest(instanceName, tenantNs, {}, { channels: [channel] }),
    })) as ClawInstance;

    const startChannel = async ({ secrets, env = {} }: StartChannelOptions): Promise<ChannelProcess> => {
      const deployment = buildChannelDeployment(instance, channel, {
        image: `channel-${channel.type}`,
        eventBusUrl: nats.url,
        busCredentialsSecretName: `${instanceName}-channel-${channel.type}-bus`,
      });
      const credentialsFile = path.join(dir, `${channel.type}-bus.creds`);
      await writeFile(
        credentialsFile,
        await issueUserCredentials(authority, {
          name: `channel/${tenantNs}/${instanceName}/${channel.type}`,
          permissions: channelPermissions({
            namespace: tenantNs,
            instance: instanceName,
            channel: channel.type,
          }),
        }),
        { mode: 0o600 },
      );
      const podEnv: NodeJS.ProcessEnv = {};
      const fromSecret = new Set<string>();
      for (const variable of deployment.spec.template.spec.containers[0]?.env ?? []) {
        if (variable.value !== undefined) podEnv[variable.name] = variable.value;
        if (variable.valueFrom?.secretKeyRef) fromSecret.add(variable.name);
      }
      if (podEnv.K8SCLAW_BUS_CREDENTIALS_FILE !== '/var/run/k8sclaw/bus/bus.creds')
        throw new Error(`the Deployment's bus credentials are at ${podEnv.K8SCLAW_BUS_CREDENTIALS_FILE}`);
      // only what the Deployment takes from the Secret reaches the pod
      for (const key of Object.keys(secrets))
        if (!fromSecret.has(key)) throw new Error(`${key} is not a key the Deployment takes from the Secret`);
      const healthPort = await findFreePort();
      const healthUrl = `http://127.0.0.1:${healthPort}`;
      const ready = httpOkProbe(`${healthUrl}/readyz`);
      const proc = new ManagedProcess({
        name: `channel-${channel.type}`,
        command: process.execPath,
        args: [path.join(repoRoot, 'src', 'cmd', 'channel.ts')],
        logFile: path.join(dir, `channel-${channel.type}-${++channelsStarted}.log`),
        env: {
          PATH: process.env.PATH,
          ...podEnv,
          ...secrets,
          K8SCLAW_BUS_CREDENTIALS_FILE: credentialsFile,
          K8SCLAW_HEALTH_PORT: String(healthPort),
          K8SCLAW_CHANNEL_RETRY_DELAY_MS: '200',
          LOG_LEVEL: logLevel,
          ...env,
        },
      });
      stack.onStop(() => proc.stop());
      proc.start();
      await proc.waitUntilReady(ready, 30_000);
      return {
        process: proc,
        healthUrl,
        restart: async () => {
          proc.start();
          await proc.waitUntilReady(ready, 30_000);
        },
        metrics: async () => await (await fetch(`${healthUrl}/metrics`)).text(),
      };
    };

    const identityOf = (run: AgentRun): RunIdentity => ({
      namespace: tenantNs,
      instance: instanceName,
      run: run.metadata.name,
      runUid: run.metadata.uid ?? '',
    });

    const connectBridge = async (run: AgentRun): Promise<RunBridgeStandIn> => {
      const runIdentity = identityOf(run);
      const bus = await connectAsBridge(
        nats.url,
        await issueUserCredentials(authority, {
          name: `ipc-bridge/${tenantNs}/${run.metadata.name}`,
          permissions: runBridgePermissions(runIdentity),
        }),
        runIdentity,
      );
      return {
        bus,
        complete: async (response) => {
          await bus.publishRunEvent({ ...buildCompletedEvent(runIdentity, { response }), seq: 1 });
        },
        close: () => bus.close(),
      };
    };

    const listRuns = async () =>
      (
        (await kube.customObjects.listNamespacedCustomObject({
          ...group,
          namespace: tenantNs,
          plural: 'agentruns',
        })) as { items: AgentRun[] }
      ).items;

    const publishAsBridge = async (run: AgentRun, events: readonly RunEvent[]) => {
      const bridge = await connectBridge(run);
      try {
        for (const event of events) await bridge.bus.publishRunEvent(event);
      } finally {
        await bridge.close();
      }
    };

    const channelIdentity = { namespace: tenantNs, instance: instanceName, channel: channel.type };
    const connectAsChannel = async (name: string) =>
      await connectEventBus({
        url: nats.url,
        name,
        credentials: await issueUserCredentials(authority, {
          name,
          permissions: channelPermissions(channelIdentity),
        }),
        inboxPrefix: buildChannelInboxPrefix(channelIdentity),
        connectTimeoutMs: 10_000,
      });

    return {
      authority,
      nats,
      postgres,
      databaseUrl,
      systemNs,
      tenantNs,
      tenantToken,
      instance,
      server,
      startChannel,
      listRuns,
      runOfTask: async (task) =>
        await eventually(`the AgentRun of "${task}"`, async () =>
          (await listRuns()).find((run) => run.spec.task === task),
        ),
      runsOfTask: async (task) => (await listRuns()).filter((run) => run.spec.task === task).length,
      identityOf,
      publishAsBridge,
      connectAsChannel,
      publishAsChannel: async (messages) => {
        const bus = await connectAsChannel('channel-stand-in');
        try {
          for (const { id, instanceUid, chatId, text } of messages)
            await bus.publishChannelMessage(channelIdentity, {
              id,
              channel: channel.type,
              namespace: tenantNs,
              instance: instanceName,
              instanceUid,
              chat: { chatId },
              sender: { id: '42' },
              text,
              sentAt: new Date().toISOString(),
            });
        } finally {
          await bus.close();
        }
      },
      replyDelivered: async (run) =>
        await eventually(`ReplyDelivered on ${run.metadata.name}`, async () => {
          const current = (await kube.customObjects.getNamespacedCustomObject({
            ...group,
            namespace: tenantNs,
            plural: 'agentruns',
            name: run.metadata.name,
          })) as AgentRun;
          return current.status?.conditions?.find((condition) => condition.type === 'ReplyDelivered');
        }),
      eventsOf: async (run) =>
        (
          await kube.core.listNamespacedEvent({
            namespace: tenantNs,
            fieldSelector: `involvedObject.name=${run.metadata.name}`,
          })
        ).items
          .filter((event) => event.involvedObject.uid === run.metadata.uid)
          .map(({ type, reason, message }) => ({ type, reason, message })),
      sessionTurns: async (sessionKey) => {
        const answer = await callApi(
          server.url,
          'GET',
          `/api/v1/namespaces/${tenantNs}/instances/${instanceName}/sessions/${encodeURIComponent(sessionKey)}/messages`,
          { token: tenantToken },
        );
        const items = (answer.body?.items ?? []) as SessionTurn[];
        return { status: answer.status, turns: items.map(({ role, content }) => ({ role, content })) };
      },
      apiServerMetrics: async () => await (await fetch(`${server.healthUrl}/metrics`)).text(),
      connectBridge,
      completeRun: async (run, response) => {
        const bridge = await connectBridge(run);
        try {
          await bridge.complete(response);
        } finally {
          await bridge.close();
        }
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
