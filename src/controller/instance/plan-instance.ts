// ClawInstance reconcile decision (pure): its finalizer, the memory ConfigMap (created once, then
// only changed by memory updates, so agents' learning is never reset), one Deployment per channel
// (removed channels' Deployments deleted), and the status: phase, channels, run counts, conditions.
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
  buildMemoryConfigMap,
  memoryConfigMapName,
  type ConfigMapManifest,
  type DeploymentManifest,
  type ImagePullPolicy,
} from '../../orchestrator/index.ts';
import { setCondition } from '../status-conditions.ts';

export interface ObservedChannelDeployment {
  type: ChannelType;
  name: string;
  availableReplicas: number;
  /** Why the channel's container is not running (ErrImagePull, CrashLoopBackOff …), if it is not. */
  waiting?: { reason: string; message?: string };
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
}

export interface InstancePlan {
  addFinalizer: boolean;
  createMemoryConfigMap?: ConfigMapManifest;
  applyChannelDeployments: DeploymentManifest[];
  deleteChannelDeployments: string[];
  status: ClawInstanceStatus;
}

type ChannelStatus = NonNullable<ClawInstanceStatus['channels']>[number];

function channelStatus(
  type: ChannelType,
  observed: ObservedChannelDeployment | undefined,
  now: string,
): ChannelStatus {
  if (observed?.waiting) {
    return {
      type,
      status: 'Unavailable',
      lastHealthCheck: now,
      message:
        `${observed.waiting.reason}${observed.waiting.message ? `: ${observed.waiting.message}` : ''}`.slice(
          0,
          1024,
        ),
    };
  }
  if (observed && observed.availableReplicas > 0) {
    return {
      type,
      status: 'Pending',
      lastHealthCheck: now,
      message: 'the channel pod runs; waiting for it to report a connection',
    };
  }
  return { type, status: 'Pending', lastHealthCheck: now, message: 'waiting for the channel pod to start' };
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
  const applyChannelDeployments = channels.map((channel) =>
    buildChannelDeployment(instance, channel, {
      image: options.channelImage(channel.type),
      eventBusUrl: options.eventBusUrl,
      ...(options.imagePullPolicy ? { imagePullPolicy: options.imagePullPolicy } : {}),
    }),
  );
  const deleteChannelDeployments = observation.channelDeployments
    .filter((d) => !wanted.has(d.type))
    .map((d) => d.name);

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
  const unavailable = stableChannels.filter((c) => c.status === 'Unavailable');
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
    applyChannelDeployments,
    deleteChannelDeployments,
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
