// ClawInstance reconcile decision (pure): its finalizer, the memory ConfigMap (created once, then
// only changed by memory updates, so agents' learning is never reset), one Deployment and Service
// per channel with the channel's own bus credentials (written only when what they would be differs
// from what was last applied, and removed with the channel), and the status: phase, each channel's
// health as its pod shows it, run counts, conditions.
import { createHash } from 'node:crypto';
import {
  channelTypes,
  conditionTypes,
  finalizers,
  reasons,
  type ChannelType,
  type ClawInstance,
  type ClawInstanceStatus,
  type RunPhase,
} from '../../api/index.ts';
import {
  buildChannelDeployment,
  buildChannelService,
  buildMemoryConfigMap,
  channelBusCredentialsSecretName,
  memoryConfigMapName,
  type ConfigMapManifest,
  type DeploymentManifest,
  type ImagePullPolicy,
  type ServiceManifest,
} from '../../orchestrator/index.ts';
import { channelPermissions } from '../../eventbus/index.ts';
import { setCondition } from '../status-conditions.ts';

/** The annotation on a channel's Deployment: the hash of what was last applied for the channel. */
export const channelAppliedHashAnnotation = 'k8sclaw.io/applied-hash';

export interface ObservedChannelDeployment {
  type: ChannelType;
  name: string;
  availableReplicas: number;
  /** The Deployment's applied-hash annotation. */
  appliedHash?: string;
  /** Why the channel's container is not running (ErrImagePull, CrashLoopBackOff …), if it is not. */
  waiting?: { reason: string; message?: string };
  /** The channel's pod, when there is one. */
  pod?: ObservedChannelPod;
}

export interface ObservedChannelPod {
  /** Its readiness probe passes: receiving from the service and consuming replies. */
  ready: boolean;
  restarts: number;
  /** What the program said when it last stopped (its termination message). */
  lastTermination?: string;
}

export interface InstanceObservation {
  instance: ClawInstance;
  /** undefined: no ConfigMap of that name; otherwise whether this instance owns it. */
  memoryConfigMap?: { ownedByInstance: boolean };
  channelDeployments: ObservedChannelDeployment[];
  runPhases: (RunPhase | undefined)[];
  policyMissing: boolean;
  missingSkillPacks: string[];
  now: Date;
}

export interface InstancePlanOptions {
  channelImage: (type: ChannelType) => string;
  eventBusUrl: string;
  imagePullPolicy?: ImagePullPolicy;
  /**
   * The bus requires credentials: each channel pod gets its own, in a Secret, signed by this
   * account (its public key is part of the credentials' version).
   */
  channelBusCredentials?: { accountPublicKey: string };
}

/** One channel's objects to write, because they differ from what was last applied. */
export interface ChannelApply {
  type: ChannelType;
  /**
   * Created first, when it does not exist yet (never replaced: a running pod may mount it); its
   * name carries `version`.
   */
  busCredentials?: { secretName: string; version: string };
  service: ServiceManifest;
  /** Carries the applied-hash annotation; applied last. */
  deployment: DeploymentManifest;
}

export interface InstancePlan {
  addFinalizer: boolean;
  createMemoryConfigMap?: ConfigMapManifest;
  applyChannels: ChannelApply[];
  /** Deployments (and their Services, of the same name) of channels no longer in the spec. */
  deleteChannels: string[];
  status: ClawInstanceStatus;
}

function hashOf(...objects: unknown[]): string {
  return createHash('sha256').update(JSON.stringify(objects)).digest('hex').slice(0, 16);
}

function planChannel(
  instance: ClawInstance,
  channel: NonNullable<ClawInstance['spec']['channels']>[number],
  observed: ObservedChannelDeployment | undefined,
  options: InstancePlanOptions,
): ChannelApply | undefined {
  const identity = {
    namespace: instance.metadata.namespace,
    instance: instance.metadata.name,
    channel: channel.type,
  };
  const busCredentials = options.channelBusCredentials
    ? (() => {
        // what the credentials allow and who signed them: either changing means new credentials
        const version = hashOf(
          channelPermissions(identity),
          options.channelBusCredentials.accountPublicKey,
        ).slice(0, 8);
        return {
          secretName: channelBusCredentialsSecretName(identity.instance, channel.type, version),
          version,
        };
      })()
    : undefined;
  const deployment = buildChannelDeployment(instance, channel, {
    image: options.channelImage(channel.type),
    eventBusUrl: options.eventBusUrl,
    ...(busCredentials ? { busCredentialsSecretName: busCredentials.secretName } : {}),
    ...(options.imagePullPolicy ? { imagePullPolicy: options.imagePullPolicy } : {}),
  });
  const service = buildChannelService(instance, channel.type);
  const hash = hashOf(deployment, service);
  if (observed?.appliedHash === hash) return undefined;
  deployment.metadata.annotations = {
    ...deployment.metadata.annotations,
    [channelAppliedHashAnnotation]: hash,
  };
  return {
    type: channel.type,
    ...(busCredentials ? { busCredentials } : {}),
    service,
    deployment,
  };
}

type ChannelStatus = NonNullable<ClawInstanceStatus['channels']>[number];

function channelStatus(
  type: ChannelType,
  observed: ObservedChannelDeployment | undefined,
  now: string,
): ChannelStatus {
  const at = { type, lastHealthCheck: now };
  const stopped = observed?.pod?.lastTermination;
  if (observed?.waiting) {
    const { reason, message } = observed.waiting;
    // a program that keeps stopping says why in its termination message: a refused token, say
    if (reason === 'CrashLoopBackOff' && stopped) {
      return { ...at, status: 'Error', message: `the channel keeps stopping: ${stopped}`.slice(0, 1024) };
    }
    return {
      ...at,
      status: 'Unavailable',
      message: `${reason}${message ? `: ${message}` : ''}`.slice(0, 1024),
    };
  }
  const pod = observed?.pod;
  if (pod?.ready) {
    return { ...at, status: 'Connected', message: 'receiving messages and delivering replies' };
  }
  if (pod && pod.restarts > 0) {
    return {
      ...at,
      status: 'Disconnected',
      message: (stopped ? `restarted after: ${stopped}` : 'restarted; not connected yet').slice(0, 1024),
    };
  }
  if (pod) {
    return { ...at, status: 'Pending', message: 'connecting to the service and the event bus' };
  }
  return { ...at, status: 'Pending', message: 'waiting for the channel pod to start' };
}

export function planInstance(observation: InstanceObservation, options: InstancePlanOptions): InstancePlan {
  const { instance, now } = observation;
  const generation = instance.metadata.generation;
  const memoryEnabled = instance.spec.memory?.enabled ?? true;
  const memoryName = memoryConfigMapName(instance.metadata.name);
  const memoryConflict =
    observation.memoryConfigMap !== undefined && !observation.memoryConfigMap.ownedByInstance;
  const channels = instance.spec.channels ?? [];
  const wanted = new Set(channels.map((c) => c.type));
  const applyChannels = channels.flatMap((channel) => {
    const observed = observation.channelDeployments.find((d) => d.type === channel.type);
    const apply = planChannel(instance, channel, observed, options);
    return apply ? [apply] : [];
  });
  const deleteChannels = observation.channelDeployments.filter((d) => !wanted.has(d.type)).map((d) => d.name);

  const nowText = now.toISOString();
  const channelStatuses = channelTypes
    .filter((type) => wanted.has(type))
    .map((type) =>
      channelStatus(
        type,
        observation.channelDeployments.find((d) => d.type === type),
        nowText,
      ),
    );
  // health checks refresh every reconcile; keep the stored time while nothing else changed, so
  // resyncs do not rewrite status
  const stored = instance.status?.channels ?? [];
  const stableChannels = channelStatuses.map((c) => {
    const previous = stored.find((s) => s.type === c.type);
    return previous &&
      previous.status === c.status &&
      previous.message === c.message &&
      previous.lastHealthCheck
      ? { ...c, lastHealthCheck: previous.lastHealthCheck }
      : c;
  });

  const problems: { reason: string; message: string }[] = [];
  if (observation.policyMissing)
    problems.push({
      reason: reasons.policyNotFound,
      message: `ClawPolicy ${instance.spec.policyRef} not found`,
    });
  if (observation.missingSkillPacks.length > 0) {
    problems.push({
      reason: reasons.skillPackNotFound,
      message: `SkillPack(s) not found: ${observation.missingSkillPacks.join(', ')}`,
    });
  }
  if (memoryEnabled && memoryConflict) {
    problems.push({
      reason: reasons.configMapConflict,
      message: `ConfigMap ${memoryName} exists and is not owned by this instance`,
    });
  }
  const unavailable = stableChannels.filter(
    (c) => c.status === 'Unavailable' || c.status === 'Error' || c.status === 'Disconnected',
  );
  const phase = problems.length > 0 ? 'Error' : unavailable.length > 0 ? 'Degraded' : 'Ready';

  let conditions = setCondition(
    instance.status?.conditions,
    memoryEnabled && memoryConflict
      ? {
          type: conditionTypes.memoryReady,
          status: 'False',
          reason: reasons.configMapConflict,
          message: `ConfigMap ${memoryName} is not ours: memory is not used`,
        }
      : {
          type: conditionTypes.memoryReady,
          status: 'True',
          reason: reasons.reconciled,
          message: memoryEnabled ? `memory in ConfigMap ${memoryName}` : 'memory is disabled',
        },
    now,
    generation,
  );
  conditions = setCondition(
    conditions,
    unavailable.length > 0
      ? {
          type: conditionTypes.channelsReady,
          status: 'False',
          reason: reasons.channelUnavailable,
          message: unavailable.map((c) => `${c.type}: ${c.message}`).join('; '),
        }
      : {
          type: conditionTypes.channelsReady,
          status: 'True',
          reason: reasons.reconciled,
          message: `${channels.length} channel(s)`,
        },
    now,
    generation,
  );
  const problem = problems[0];
  conditions = setCondition(
    conditions,
    problem
      ? {
          type: conditionTypes.ready,
          status: 'False',
          reason: problem.reason,
          message: problems.map((p) => p.message).join('; '),
        }
      : {
          type: conditionTypes.ready,
          status: 'True',
          reason: reasons.reconciled,
          message: phase === 'Degraded' ? 'running, with unavailable channels' : 'ready',
        },
    now,
    generation,
  );

  return {
    addFinalizer: !(instance.metadata.finalizers ?? []).includes(finalizers.instance),
    ...(memoryEnabled && observation.memoryConfigMap === undefined
      ? { createMemoryConfigMap: buildMemoryConfigMap(instance) }
      : {}),
    applyChannels,
    deleteChannels,
    status: {
      ...(generation !== undefined ? { observedGeneration: generation } : {}),
      phase,
      channels: stableChannels,
      activeRuns: observation.runPhases.filter((p) => p !== 'Succeeded' && p !== 'Failed').length,
      totalRuns: observation.runPhases.length,
      ...(memoryEnabled && !memoryConflict ? { memoryConfigMap: memoryName } : {}),
      conditions,
    },
  };
}

/** Runs still working when their instance is deleted: stopped, so no agent outlives its tenant. */
export function planInstanceDeletion(runs: { name: string; phase?: RunPhase }[]): string[] {
  return runs.filter((r) => r.phase !== 'Succeeded' && r.phase !== 'Failed').map((r) => r.name);
}
