// AgentRun reconcile decision (pure). Before its Job exists a run is resolved against its instance,
// policy and skills and admitted when the instance has capacity; once the Job exists, the phase is
// read from the Job and its pod, never re-decided. Finished runs are cleaned up (cleanup: delete)
// and deleted after ttlSecondsAfterFinished. A sub-agent whose parent no longer waits for it (see
// waiting-parent.ts) is cancelled instead of started or left running.
import {
  annotations,
  conditionTypes,
  defaultTtlSecondsAfterFinished,
  reasons,
  type AgentRun,
  type AgentRunStatus,
  type ClawInstance,
  type ClawPolicy,
  type Condition,
  type RunPhase,
  type RunResult,
  type SkillPack,
} from '../../api/index.ts';
import {
  agentJobName,
  buildAgentJob,
  buildRunNetworkPolicy,
  resolveEffectiveRun,
  runBusCredentialsExpiry,
  runBusCredentialsSecretName,
  subagentCapacityRefusal,
  type ImagePullPolicy,
  type JobManifest,
  type NetworkPolicyManifest,
} from '../../orchestrator/index.ts';
import { setCondition, type ConditionInput } from '../status-conditions.ts';
import { hasEnded, whyNobodyWaits } from '../subagent/waiting-parent.ts';
import { parseTerminationMessage, resultRecordedCondition } from './plan-result.ts';

export interface ObservedJob {
  conditions: {
    type: string;
    status: string;
    reason?: string;
    message?: string;
    lastTransitionTime?: string;
  }[];
  completionTime?: string;
}

export interface ObservedPod {
  name: string;
  startTime?: string;
  agent?: {
    running?: { startedAt?: string };
    terminated?: {
      exitCode: number;
      reason?: string;
      message?: string;
      startedAt?: string;
      finishedAt?: string;
    };
  };
}

export interface RunObservation {
  run: AgentRun;
  instance?: ClawInstance;
  policy?: ClawPolicy;
  /**
   * The instance's memory ConfigMap as the cache of K8sClaw's ConfigMaps shows it (undefined: not
   * there, i.e. not created yet, or someone else's without our labels).
   */
  memoryConfigMap?: { ownedByInstance: boolean };
  /** Every SkillPack the run may mount, by name; undefined where it does not exist. */
  skillPacks: ReadonlyMap<string, SkillPack | undefined>;
  job?: ObservedJob;
  /**
   * The run's Job, recorded in its status, is confirmed gone from the apiserver (not merely absent
   * from a cache that has not caught up with its creation yet).
   */
  jobGone?: boolean;
  pod?: ObservedPod;
  /** Unfinished Jobs of the run's instance, this run's excluded. */
  activeRunsOfInstance: number;
  /** Admitted, unfinished sub-agent runs: of this run's parent, and of its whole instance. */
  activeChildrenOfParent?: number;
  activeSubagentsOfInstance?: number;
  /** This run's own sub-agent runs that have not finished (`jobName`: admitted). */
  unfinishedChildren?: readonly SubagentChild[];
  /** For a sub-agent run: the run of its parent's name (undefined: none). */
  parent?: AgentRun;
  now: Date;
}

export interface SubagentChild {
  name: string;
  jobName?: string;
}

export interface RunPlanOptions {
  agentImage: string;
  ipcBridgeImage: string;
  eventBusUrl: string;
  imagePullPolicy?: ImagePullPolicy;
  agentArgs?: readonly string[];
  /** Give each run's IPC bridge its own event bus credentials (the bus requires them). */
  busCredentials?: boolean;
  /** How long a finished run waits for its result from the bus before the termination message is used. */
  resultGraceMs?: number;
}

export const defaultResultGraceMs = 20_000;

export interface RunPlan {
  createJob?: JobManifest;
  createNetworkPolicy?: NetworkPolicyManifest;
  deleteJob?: boolean;
  deleteRun?: boolean;
  /** Issue the run's bus credentials into this Secret before the Job is created. */
  createBusCredentials?: { secretName: string; instanceName: string; expiresAt: Date };
  /**
   * The run has ended and these sub-agents of it are still running or waiting: nobody waits for
   * their answers, so they are stopped (an admitted one cancelled, one not admitted yet deleted).
   */
  stopChildren?: readonly SubagentChild[];
  /**
   * This run is a sub-agent nobody waits for and its Job exists: marked cancelled by `by`, then its
   * Job deleted (as its parent's sweep would), so it fails with reason Cancelled.
   */
  cancel?: { by: string; jobName: string };
  /** The bus delivered no result in time: record the one from the termination message first. */
  recordResult?: { result: RunResult; source: 'termination-message' };
  status: AgentRunStatus;
  requeueAfterMs?: number;
}

const defaultMaxConcurrentRuns = 10;

export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = s % 60;
  return h > 0 ? `${h}h${m}m` : m > 0 ? `${m}m${rest}s` : `${rest}s`;
}

const iso = (value: string | Date | undefined): string | undefined =>
  value === undefined ? undefined : new Date(value).toISOString();

function withConditions(
  run: AgentRun,
  now: Date,
  phase: RunPhase,
  fields: Omit<AgentRunStatus, 'phase' | 'conditions' | 'observedGeneration'>,
  inputs: ConditionInput[],
): AgentRunStatus {
  const generation = run.metadata.generation;
  let conditions: Condition[] | undefined = run.status?.conditions;
  for (const input of inputs) conditions = setCondition(conditions, input, now, generation);
  return {
    ...run.status,
    ...fields,
    ...(generation !== undefined ? { observedGeneration: generation } : {}),
    phase,
    ...(conditions ? { conditions } : {}),
  };
}

const condition = (
  type: string,
  status: Condition['status'],
  reason: string,
  message: string,
): ConditionInput => ({
  type,
  status,
  reason,
  message,
});

function waiting(observation: RunObservation, reason: string, message: string): RunPlan {
  return {
    status: withConditions(observation.run, observation.now, 'Pending', {}, [
      condition(conditionTypes.scheduled, 'False', reason, message),
      condition(conditionTypes.ready, 'Unknown', reason, message),
    ]),
  };
}

function refused(observation: RunObservation, reason: string, message: string): RunPlan {
  const now = observation.now.toISOString();
  return {
    status: withConditions(observation.run, observation.now, 'Failed', { error: message, completedAt: now }, [
      condition(conditionTypes.scheduled, 'False', reason, message),
      condition(conditionTypes.completed, 'True', reason, message),
      condition(conditionTypes.ready, 'False', reason, message),
    ]),
  };
}

function planFinished(observation: RunObservation): RunPlan {
  const { run, now } = observation;
  const ttlSeconds = run.spec.ttlSecondsAfterFinished ?? defaultTtlSecondsAfterFinished;
  const completedAt = run.status?.completedAt ? new Date(run.status.completedAt) : now;
  const remainingMs = completedAt.getTime() + ttlSeconds * 1000 - now.getTime();
  const status = run.status ?? {};
  if (remainingMs <= 0) return { deleteRun: true, status };
  return {
    status,
    ...(run.spec.cleanup === 'delete' && observation.job ? { deleteJob: true } : {}),
    requeueAfterMs: remainingMs,
  };
}

function planFromJob(observation: RunObservation, job: ObservedJob, options: RunPlanOptions): RunPlan {
  const { run, pod, now } = observation;
  const jobName = agentJobName(run.metadata.name);
  const agent = pod?.agent;
  const startedAt =
    iso(agent?.running?.startedAt ?? agent?.terminated?.startedAt ?? pod?.startTime) ?? run.status?.startedAt;
  const base = { jobName, ...(pod ? { podName: pod.name } : {}), ...(startedAt ? { startedAt } : {}) };
  // with its result recorded, the agent container's exit is final (restartPolicy Never, no
  // retries): it decides the run at once, without waiting for the sidecars to stop and the Job
  // controller to notice. Without a result, the Job's own conditions say why (e.g. its deadline).
  const exited = resultRecordedCondition(run)?.status === 'True' ? agent?.terminated : undefined;
  const complete =
    job.conditions.find((c) => c.type === 'Complete' && c.status === 'True') ??
    (exited?.exitCode === 0 ? { type: 'Complete', status: 'True' } : undefined);
  const failed =
    job.conditions.find((c) => c.type === 'Failed' && c.status === 'True') ??
    (exited && exited.exitCode !== 0 ? { type: 'Failed', status: 'True' } : undefined);
  if (complete || failed) {
    const completedAt =
      iso(job.completionTime ?? agent?.terminated?.finishedAt ?? failed?.lastTransitionTime) ??
      now.toISOString();
    const recorded = resultRecordedCondition(run);
    let fallback: RunResult | undefined;
    if (recorded?.status !== 'True') {
      const graceMs = options.resultGraceMs ?? defaultResultGraceMs;
      const waitedMs = now.getTime() - Date.parse(completedAt);
      if (graceMs > 0 && waitedMs < graceMs) {
        const message = 'the agent finished; waiting for its result from the event bus';
        return {
          status: withConditions(run, now, 'Running', base, [
            condition(conditionTypes.running, 'True', reasons.waitingForResult, message),
            condition(conditionTypes.ready, 'Unknown', reasons.waitingForResult, message),
          ]),
          requeueAfterMs: Math.min(graceMs, graceMs - waitedMs),
        };
      }
      fallback = parseTerminationMessage(agent?.terminated?.message);
    }
    const duration = startedAt
      ? formatDuration((Date.parse(completedAt) - Date.parse(startedAt)) / 1000)
      : undefined;
    const exitCode = agent?.terminated?.exitCode;
    const finished = {
      ...base,
      completedAt,
      ...(duration ? { duration } : {}),
      ...(exitCode !== undefined ? { exitCode } : {}),
    };
    const recordResult = fallback
      ? { recordResult: { result: fallback, source: 'termination-message' as const } }
      : {};
    if (complete) {
      return {
        ...recordResult,
        status: withConditions(run, now, 'Succeeded', finished, [
          condition(conditionTypes.running, 'False', reasons.succeeded, 'the agent finished'),
          condition(conditionTypes.completed, 'True', reasons.succeeded, 'the agent finished successfully'),
          condition(conditionTypes.ready, 'True', reasons.succeeded, 'the agent finished successfully'),
        ]),
      };
    }
    const deadline = failed?.reason === 'DeadlineExceeded';
    const runnerReason =
      recorded?.status === 'True' && recorded.reason !== reasons.succeeded
        ? recorded.reason
        : fallback?.reason;
    const runnerError =
      recorded?.status === 'True' && recorded.reason !== reasons.succeeded
        ? recorded.message
        : fallback?.error;
    const reason = deadline ? reasons.deadlineExceeded : (runnerReason ?? reasons.failed);
    const message = deadline
      ? `the run exceeded its timeout (${failed?.message ?? 'active deadline reached'})`
      : runnerError ||
        agent?.terminated?.message?.trim() ||
        failed?.message ||
        `the agent exited with code ${exitCode ?? 'unknown'}`;
    return {
      ...recordResult,
      status: withConditions(run, now, 'Failed', { ...finished, error: message.slice(0, 4096) }, [
        condition(conditionTypes.running, 'False', reason, message),
        condition(conditionTypes.completed, 'True', reason, message),
        condition(conditionTypes.ready, 'False', reason, message),
      ]),
    };
  }
  if (agent?.running || agent?.terminated) {
    const message = agent.running
      ? `pod ${pod?.name} is running the agent`
      : `the agent in pod ${pod?.name} exited; waiting for its Job to finish`;
    return {
      status: withConditions(run, now, 'Running', base, [
        condition(conditionTypes.scheduled, 'True', reasons.jobCreated, `Job ${jobName} created`),
        condition(conditionTypes.running, 'True', reasons.podRunning, message),
        condition(conditionTypes.ready, 'Unknown', reasons.podRunning, 'the agent is running'),
      ]),
    };
  }
  return {
    status: withConditions(run, now, 'Pending', base, [
      condition(conditionTypes.scheduled, 'True', reasons.jobCreated, `Job ${jobName} created`),
      condition(conditionTypes.ready, 'Unknown', reasons.jobCreated, 'waiting for the agent pod to start'),
    ]),
  };
}

/**
 * A run's Job is created at most once: once the status names it, a Job that is gone (deleted by
 * someone, or by the garbage collector) fails the run instead of starting the agent a second time.
 */
function planWithoutItsJob(observation: RunObservation, jobName: string): RunPlan {
  if (!observation.jobGone) {
    // the Job was created a moment ago and the cache has not seen it yet: look again shortly
    return { status: observation.run.status ?? {}, requeueAfterMs: 1_000 };
  }
  // a cancel (through the API server) is the deletion of the Job, marked on the run beforehand
  const cancelledBy = observation.run.metadata.annotations?.[annotations.cancelledBy];
  const reason = cancelledBy !== undefined ? reasons.cancelled : reasons.jobLost;
  const message =
    cancelledBy !== undefined
      ? `cancelled by ${cancelledBy || 'an unknown user'}`
      : `its Job ${jobName} was deleted before the run finished; the run is not started again`;
  const now = observation.now.toISOString();
  return {
    status: withConditions(observation.run, observation.now, 'Failed', { error: message, completedAt: now }, [
      condition(conditionTypes.running, 'False', reason, message),
      condition(conditionTypes.completed, 'True', reason, message),
      condition(conditionTypes.ready, 'False', reason, message),
    ]),
  };
}

/** A sub-agent nobody waits for, not started yet: it never is. */
function cancelledBeforeStart(observation: RunObservation, by: string): RunPlan {
  const message = `cancelled by ${by}`;
  const now = observation.now.toISOString();
  return {
    status: withConditions(observation.run, observation.now, 'Failed', { error: message, completedAt: now }, [
      condition(conditionTypes.scheduled, 'False', reasons.cancelled, message),
      condition(conditionTypes.completed, 'True', reasons.cancelled, message),
      condition(conditionTypes.ready, 'False', reasons.cancelled, message),
    ]),
  };
}

/**
 * Whose the instance's memory ConfigMap is. A run mounts and writes only the instance's own; one
 * that is someone else's (seen in the cache, or reported so by the instance, since the cache holds
 * only ConfigMaps with K8sClaw's labels) leaves the run without memory.
 */
function memoryConfigMapState(
  observation: RunObservation,
  instance: ClawInstance,
): 'owned' | 'foreign' | 'absent' {
  if (observation.memoryConfigMap) return observation.memoryConfigMap.ownedByInstance ? 'owned' : 'foreign';
  const memoryReady = instance.status?.conditions?.find((c) => c.type === conditionTypes.memoryReady);
  return memoryReady?.reason === reasons.configMapConflict ? 'foreign' : 'absent';
}

const isFinished = (phase: RunPhase | undefined) => phase === 'Succeeded' || phase === 'Failed';

export function planRun(observation: RunObservation, options: RunPlanOptions): RunPlan {
  const plan = planRunItself(observation, options);
  const children = observation.unfinishedChildren ?? [];
  return isFinished(plan.status.phase) && children.length > 0 ? { ...plan, stopChildren: children } : plan;
}

function planRunItself(observation: RunObservation, options: RunPlanOptions): RunPlan {
  if (isFinished(observation.run.status?.phase)) return planFinished(observation);
  const plan = planUnfinished(observation, options);
  if (!isFinished(plan.status.phase)) return plan;
  // a run that finishes now is planned as finished too (cleanup, TTL): the reconciler is not woken
  // by its own status write
  const finished = planFinished({ ...observation, run: { ...observation.run, status: plan.status } });
  return {
    ...plan,
    ...(finished.deleteJob ? { deleteJob: true } : {}),
    // a TTL already over: the deletion comes once the finished status is written and seen
    requeueAfterMs: finished.deleteRun ? 1_000 : (finished.requeueAfterMs ?? 1_000),
  };
}

function planUnfinished(observation: RunObservation, options: RunPlanOptions): RunPlan {
  const { run, instance, job } = observation;
  const nobodyWaits = whyNobodyWaits(run, observation.parent);
  if (job) {
    const plan = planFromJob(observation, job, options);
    const marked = run.metadata.annotations?.[annotations.cancelledBy] !== undefined;
    // a child whose result is recorded has answered: its Job winds down and it succeeds or fails
    return nobodyWaits && !marked && !hasEnded(run) && !isFinished(plan.status.phase)
      ? { ...plan, cancel: { by: nobodyWaits, jobName: agentJobName(run.metadata.name) } }
      : plan;
  }
  if (run.status?.jobName) return planWithoutItsJob(observation, run.status.jobName);

  if (!instance) {
    return waiting(
      observation,
      reasons.instanceNotFound,
      `ClawInstance ${run.spec.instanceRef} not found in ${run.metadata.namespace}`,
    );
  }
  const memory = memoryConfigMapState(observation, instance);
  const resolved = resolveEffectiveRun(
    run,
    instance,
    observation.policy,
    memory === 'foreign' ? { memoryConfigMapOwned: false } : {},
  );
  if (!resolved.ok) {
    // a policy that is missing may still be created; a violation will not go away by waiting
    return resolved.reason === reasons.policyNotFound
      ? waiting(observation, resolved.reason, resolved.message)
      : refused(observation, resolved.reason, resolved.message);
  }
  // a run the policy allows, but nobody would read its answer: it never starts
  if (nobodyWaits) return cancelledBeforeStart(observation, nobodyWaits);
  const effective = resolved.effective;
  const missing = effective.skills.filter((s) => !observation.skillPacks.get(s.name)).map((s) => s.name);
  if (missing.length > 0) {
    return waiting(observation, reasons.skillPackNotFound, `SkillPack(s) not found: ${missing.join(', ')}`);
  }
  if (effective.memory.enabled && memory === 'absent') {
    return waiting(
      observation,
      reasons.memoryNotReady,
      `waiting for ConfigMap ${effective.memory.configMapName}, the memory of instance ${instance.metadata.name}`,
    );
  }
  const limit = instance.spec.agents.default.maxConcurrentRuns ?? defaultMaxConcurrentRuns;
  if (observation.activeRunsOfInstance >= limit) {
    return waiting(
      observation,
      reasons.waitingForCapacity,
      `instance ${instance.metadata.name} runs ${observation.activeRunsOfInstance} of at most ${limit} runs; this one waits`,
    );
  }
  if (run.spec.parent) {
    const busy = subagentCapacityRefusal(effective.subagents, {
      parentName: run.spec.parent.runName,
      instanceName: instance.metadata.name,
      childrenOfParent: observation.activeChildrenOfParent ?? 0,
      subagentsOfInstance: observation.activeSubagentsOfInstance ?? 0,
    });
    if (busy) return waiting(observation, reasons.waitingForCapacity, `${busy}; this one waits`);
  }
  const skillPacks = effective.skills.map((s) => ({
    name: s.name,
    skills: (observation.skillPacks.get(s.name)?.spec.skills ?? []).map((skill) => skill.name),
  }));
  const busSecretName = options.busCredentials ? runBusCredentialsSecretName(run.metadata.name) : undefined;
  const createJob = buildAgentJob(run, effective, {
    ...(busSecretName ? { busCredentialsSecretName: busSecretName } : {}),
    agentImage: options.agentImage,
    ipcBridgeImage: options.ipcBridgeImage,
    eventBusUrl: options.eventBusUrl,
    skillPacks,
    ...(options.imagePullPolicy ? { imagePullPolicy: options.imagePullPolicy } : {}),
    ...(options.agentArgs ? { agentArgs: options.agentArgs } : {}),
  });
  const jobName = createJob.metadata.name;
  return {
    ...(busSecretName
      ? {
          createBusCredentials: {
            secretName: busSecretName,
            instanceName: effective.instanceName,
            expiresAt: runBusCredentialsExpiry(observation.now, effective.timeoutSeconds),
          },
        }
      : {}),
    createJob,
    createNetworkPolicy: buildRunNetworkPolicy(run, effective),
    status: withConditions(run, observation.now, 'Pending', { jobName }, [
      condition(conditionTypes.scheduled, 'True', reasons.jobCreated, `Job ${jobName} created`),
      condition(conditionTypes.ready, 'Unknown', reasons.jobCreated, 'waiting for the agent pod to start'),
    ]),
  };
}
