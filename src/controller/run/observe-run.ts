// Reads what the AgentRun plan needs from the informer caches: the run's instance, policy, skill
// packs, its Job and pod (in the shapes plan-run expects), and how many Jobs of the instance run.
import { type AgentRun, type ClawInstance, type ClawPolicy, type SkillPack } from '../../api/index.ts';
import type { ResourceInformer, V1ConfigMap, V1Job, V1Pod } from '../../kube/index.ts';
import { agentContainerName, agentJobName, memoryConfigMapName } from '../../orchestrator/index.ts';
import { byInstance, byInstanceUnfinished, byParent, byRun, isJobFinished } from '../cache-indexes.ts';
import { isOwnedBy } from '../ownership.ts';
import { hasEnded } from '../subagent/waiting-parent.ts';
import type { ObservedJob, ObservedPod, RunObservation } from './plan-run.ts';

export interface RunCaches {
  runs: ResourceInformer<AgentRun>;
  instances: ResourceInformer<ClawInstance>;
  policies: ResourceInformer<ClawPolicy>;
  skillPacks: ResourceInformer<SkillPack>;
  jobs: ResourceInformer<V1Job>;
  pods: ResourceInformer<V1Pod>;
  /** ConfigMaps with K8sClaw's labels (memory and skill packs). */
  configMaps: ResourceInformer<V1ConfigMap>;
}

const text = (value: Date | string | undefined): string | undefined =>
  value === undefined ? undefined : new Date(value).toISOString();

export function toObservedJob(job: V1Job): ObservedJob {
  const completionTime = text(job.status?.completionTime);
  return {
    conditions: (job.status?.conditions ?? []).map((c) => {
      const lastTransitionTime = text(c.lastTransitionTime);
      return {
        type: c.type,
        status: c.status,
        ...(c.reason ? { reason: c.reason } : {}),
        ...(c.message ? { message: c.message } : {}),
        ...(lastTransitionTime ? { lastTransitionTime } : {}),
      };
    }),
    ...(completionTime ? { completionTime } : {}),
  };
}

function toObservedPod(pod: V1Pod): ObservedPod {
  const state = pod.status?.containerStatuses?.find((c) => c.name === agentContainerName)?.state;
  const startTime = text(pod.status?.startTime);
  const running = state?.running;
  const terminated = state?.terminated;
  const agent: ObservedPod['agent'] = {
    ...(running ? { running: { ...(running.startedAt ? { startedAt: text(running.startedAt) } : {}) } } : {}),
    ...(terminated
      ? {
          terminated: {
            exitCode: terminated.exitCode,
            ...(terminated.reason ? { reason: terminated.reason } : {}),
            ...(terminated.message ? { message: terminated.message } : {}),
            ...(terminated.startedAt ? { startedAt: text(terminated.startedAt) } : {}),
            ...(terminated.finishedAt ? { finishedAt: text(terminated.finishedAt) } : {}),
          },
        }
      : {}),
  };
  return {
    name: pod.metadata?.name ?? '',
    ...(startTime ? { startTime } : {}),
    ...(running || terminated ? { agent } : {}),
  };
}

export function observeRun(run: AgentRun, caches: RunCaches, now: Date): RunObservation {
  const { namespace, name } = run.metadata;
  const instance = caches.instances.get(namespace, run.spec.instanceRef);
  const policyRef = instance?.spec.policyRef;
  const policy = policyRef ? caches.policies.get(namespace, policyRef) : undefined;
  const packNames = [
    ...(instance?.spec.skills ?? []).map((s) => s.skillPackRef),
    ...((run.spec.skills ?? []) as string[]),
  ];
  const skillPacks = new Map(packNames.map((pack) => [pack, caches.skillPacks.get(namespace, pack)]));
  const jobName = agentJobName(name);
  const job = caches.jobs.get(namespace, jobName);
  const pod = [...caches.pods.byIndex(byRun, namespace, name)].sort((a, b) =>
    String(b.metadata?.creationTimestamp).localeCompare(String(a.metadata?.creationTimestamp)),
  )[0];
  // counted from an index, not by scanning the instance's Jobs: a burst of runs would be quadratic
  const activeRunsOfInstance =
    caches.jobs.countByIndex(byInstanceUnfinished, namespace, run.spec.instanceRef) -
    (job && !isJobFinished(job) ? 1 : 0);
  // admitted (a Job was created) and not finished: what sub-agent limits count
  const admitted = (
    run.spec.parent ? caches.runs.byIndex(byInstance, namespace, run.spec.instanceRef) : []
  ).filter(
    (r) =>
      r.metadata.name !== name &&
      r.spec.parent !== undefined &&
      r.status?.jobName !== undefined &&
      r.status.phase !== 'Succeeded' &&
      r.status.phase !== 'Failed',
  );
  const parent = run.spec.parent?.runName;
  // its own sub-agents (owned by this uid, not a namesake's) that have not ended
  const unfinishedChildren = caches.runs
    .byIndex(byParent, namespace, name)
    .filter(
      (child) =>
        (child.metadata.ownerReferences ?? []).some((owner) => owner.uid === run.metadata.uid) &&
        // one whose result is recorded has answered: it finishes by itself, never as cancelled
        !hasEnded(child),
    )
    .map((child) => ({
      name: child.metadata.name,
      ...(child.status?.jobName ? { jobName: child.status.jobName } : {}),
    }));
  // one informer shows a parent's creation before its child's: a child in the cache without its
  // parent means the parent is gone
  const parentRun = parent !== undefined ? caches.runs.get(namespace, parent) : undefined;
  const memoryConfigMap = caches.configMaps.get(namespace, memoryConfigMapName(run.spec.instanceRef));
  return {
    run,
    ...(memoryConfigMap && instance
      ? { memoryConfigMap: { ownedByInstance: isOwnedBy(memoryConfigMap, instance.metadata.uid) } }
      : {}),
    ...(parent
      ? {
          activeChildrenOfParent: admitted.filter((r) => r.spec.parent?.runName === parent).length,
          activeSubagentsOfInstance: admitted.length,
        }
      : {}),
    ...(instance ? { instance } : {}),
    ...(policy ? { policy } : {}),
    skillPacks,
    ...(job ? { job: toObservedJob(job) } : {}),
    ...(pod ? { pod: toObservedPod(pod) } : {}),
    activeRunsOfInstance,
    ...(unfinishedChildren.length > 0 ? { unfinishedChildren } : {}),
    ...(parentRun ? { parent: parentRun } : {}),
    now,
  };
}
