// Which controllers the manager runs, what each watches, and how events map to keys.
import {
  agentRunKind,
  clawInstanceKind,
  clawScheduleKind,
  clawPolicyKind,
  labelValues,
  labels,
  resourceOf,
  skillPackKind,
  type AgentRun,
  type ClawInstance,
  type ClawSchedule,
  type ClawPolicy,
  type SkillPack,
} from '../api/index.ts';
import {
  EventRecorder,
  ResourceInformer,
  type KubeClient,
  type V1ConfigMap,
  type V1Deployment,
  type V1Job,
  type V1Pod,
} from '../kube/index.ts';
import {
  byInstance,
  instanceLabelIndexes,
  isJobFinished,
  jobIndexes,
  runIndexes,
  runLabelIndexes,
} from './cache-indexes.ts';
import { cacheProjection } from './cache-projections.ts';
import { changesMoreThanStatus } from './event-filters.ts';
import { createRunReconciler } from './run/run-reconciler.ts';
import { runUpdateNeedsReconcile } from './run/plan-result.ts';
import { createInstanceReconciler, type IssueChannelBusCredentials } from './instance/instance-reconciler.ts';
import { createScheduleReconciler } from './schedule/schedule-reconciler.ts';
import type { InstancePlanOptions } from './instance/plan-instance.ts';
import type { RunPlanOptions } from './run/plan-run.ts';
import type { IssueRunBusCredentials, RunReconcilerDeps } from './run/run-reconciler.ts';
import type { ControllerManager } from './manager.ts';
import { createPolicyReconciler } from './policy/policy-reconciler.ts';
import { createSkillPackReconciler } from './skillpack/skillpack-reconciler.ts';

interface OwnedObject {
  metadata?: { namespace?: string; ownerReferences?: { kind: string; name: string; controller?: boolean }[] };
}

/** Keys of the owners of `kind` that control an object (its controller owner reference). */
function ownerKeys(kind: string) {
  return (object: object): string[] => {
    const { metadata } = object as OwnedObject;
    return (metadata?.ownerReferences ?? [])
      .filter((owner) => owner.controller && owner.kind === kind)
      .map((owner) => `${metadata?.namespace ?? ''}/${owner.name}`);
  };
}

export interface ControllerDeps {
  kube: KubeClient;
  now: () => Date;
  /** Images and event bus of agent pods. */
  runs: RunPlanOptions;
  /** Told how each recorded or skipped run result ended (metrics). */
  onRunResult?: RunReconcilerDeps['onRunResult'];
  /** Answers the parents of sub-agents that end without a result on the bus. */
  publishRunInput?: RunReconcilerDeps['publishRunInput'];
  /** Signs each run's event bus credentials (required when `runs.busCredentials` is set). */
  issueRunBusCredentials?: IssueRunBusCredentials;
  /** Images and event bus of channel pods. */
  instances: InstancePlanOptions;
  /** Signs each channel's event bus credentials (required when `instances.channelBusCredentials` is set). */
  issueChannelBusCredentials?: IssueChannelBusCredentials;
  onInformerError?: (kind: string, error: unknown, retryInMs: number) => void;
}

export function registerControllers(manager: ControllerManager, deps: ControllerDeps): void {
  const informer = <T extends object>(
    type: { apiVersion: string; kind: string; plural: string },
    labelSelector?: string,
    indexes?: Record<string, (object: object) => string | undefined>,
  ) =>
    new ResourceInformer<T>(deps.kube, type, {
      ...(labelSelector ? { labelSelector } : {}),
      ...(indexes ? { indexes } : {}),
      transform: cacheProjection(type.kind),
      onError: (error, retryInMs) => deps.onInformerError?.(type.kind, error, retryInMs),
    });
  const managedBy = `${labels.managedBy}=${labelValues.managedBy}`;
  const policies = informer<ClawPolicy>(resourceOf(clawPolicyKind));
  const instances = informer<ClawInstance>(resourceOf(clawInstanceKind));
  const skillPacks = informer<SkillPack>(resourceOf(skillPackKind));
  const configMaps = informer<V1ConfigMap>(
    { apiVersion: 'v1', kind: 'ConfigMap', plural: 'configmaps' },
    managedBy,
  );
  const recorder = new EventRecorder(deps.kube, 'k8sclaw-controller', deps.now);
  const runs = informer<AgentRun>(resourceOf(agentRunKind), undefined, runIndexes);
  const jobs = informer<V1Job>(
    { apiVersion: 'batch/v1', kind: 'Job', plural: 'jobs' },
    managedBy,
    jobIndexes,
  );
  const deployments = informer<V1Deployment>(
    { apiVersion: 'apps/v1', kind: 'Deployment', plural: 'deployments' },
    managedBy,
  );
  const pods = informer<V1Pod>(
    { apiVersion: 'v1', kind: 'Pod', plural: 'pods' },
    `${labels.component}=agent-run`,
    runLabelIndexes,
  );
  const channelPods = informer<V1Pod>(
    { apiVersion: 'v1', kind: 'Pod', plural: 'pods' },
    `${labels.component}=channel`,
    instanceLabelIndexes,
  );

  manager.register({
    name: 'clawpolicy',
    reconcile: createPolicyReconciler({ kube: deps.kube, policies, instances, now: deps.now }),
    primary: policies as ResourceInformer<object>,
    reconcilesUpdate: changesMoreThanStatus,
    watches: [
      {
        // any instance change may bind or unbind a policy of its namespace (policyRef may have changed)
        informer: instances as ResourceInformer<object>,
        toKeys: (object) => {
          const namespace = (object as ClawInstance).metadata.namespace;
          return policies.list(namespace).map((p) => `${namespace}/${p.metadata.name}`);
        },
      },
    ],
  });

  manager.register({
    name: 'skillpack',
    reconcile: createSkillPackReconciler({ kube: deps.kube, skillPacks, recorder, now: deps.now }),
    primary: skillPacks as ResourceInformer<object>,
    reconcilesUpdate: changesMoreThanStatus,
    watches: [{ informer: configMaps as ResourceInformer<object>, toKeys: ownerKeys('SkillPack') }],
  });

  /** Runs of the namespace still waiting for a Job: what a freed slot, a new policy or pack may admit. */
  const waitingRuns = (namespace: string, instance?: string) =>
    (instance === undefined ? runs.list(namespace) : runs.byIndex(byInstance, namespace, instance))
      .filter((r) => !r.status?.jobName)
      .map((r) => `${namespace}/${r.metadata.name}`);
  const namespaceOf = (object: object) =>
    (object as { metadata?: { namespace?: string } }).metadata?.namespace ?? '';
  const labelOf = (object: object, key: string) =>
    (object as { metadata?: { labels?: Record<string, string> } }).metadata?.labels?.[key];
  manager.register({
    name: 'agentrun',
    workers: 16,
    reconcile: createRunReconciler({
      kube: deps.kube,
      caches: { runs, instances, policies, skillPacks, jobs, pods, configMaps },
      recorder,
      now: deps.now,
      options: deps.runs,
      ...(deps.issueRunBusCredentials ? { issueRunBusCredentials: deps.issueRunBusCredentials } : {}),
      ...(deps.onRunResult ? { onRunResult: deps.onRunResult } : {}),
      ...(deps.publishRunInput ? { publishRunInput: deps.publishRunInput } : {}),
    }),
    primary: runs as ResourceInformer<object>,
    reconcilesUpdate: (previous, run) =>
      runUpdateNeedsReconcile(previous as AgentRun | undefined, run as AgentRun),
    watches: [
      {
        informer: jobs as ResourceInformer<object>,
        // a slot of the instance frees only when a Job finishes or goes: only then wake waiting runs
        toKeys: (job, event) => [
          ...ownerKeys('AgentRun')(job),
          ...(event === 'delete' || isJobFinished(job as V1Job)
            ? waitingRuns(namespaceOf(job), labelOf(job, labels.instance))
            : []),
        ],
      },
      {
        informer: pods as ResourceInformer<object>,
        toKeys: (pod) => {
          const run = labelOf(pod, labels.run);
          return run ? [`${namespaceOf(pod)}/${run}`] : [];
        },
      },
      {
        informer: instances as ResourceInformer<object>,
        toKeys: (instance) => waitingRuns(namespaceOf(instance), (instance as ClawInstance).metadata.name),
      },
      {
        informer: policies as ResourceInformer<object>,
        toKeys: (policy) => waitingRuns(namespaceOf(policy)),
      },
      { informer: skillPacks as ResourceInformer<object>, toKeys: (pack) => waitingRuns(namespaceOf(pack)) },
      {
        // runs wait for their instance's memory ConfigMap
        informer: configMaps as ResourceInformer<object>,
        toKeys: (configMap) =>
          ownerKeys('ClawInstance')(configMap).flatMap((key) =>
            waitingRuns(namespaceOf(configMap), key.slice(key.indexOf('/') + 1)),
          ),
      },
    ],
  });

  const instancesReferring = (namespace: string, refers: (instance: ClawInstance) => boolean) =>
    instances
      .list(namespace)
      .filter(refers)
      .map((i) => `${namespace}/${i.metadata.name}`);
  manager.register({
    name: 'clawinstance',
    reconcile: createInstanceReconciler({
      kube: deps.kube,
      instances,
      runs,
      policies,
      skillPacks,
      deployments,
      configMaps,
      channelPods,
      recorder,
      now: deps.now,
      options: deps.instances,
      ...(deps.issueChannelBusCredentials
        ? { issueChannelBusCredentials: deps.issueChannelBusCredentials }
        : {}),
    }),
    primary: instances as ResourceInformer<object>,
    reconcilesUpdate: changesMoreThanStatus,
    watches: [
      {
        // the instance counts its runs: a burst of runs updates its status once a second
        informer: runs as ResourceInformer<object>,
        toKeys: (run) => [`${namespaceOf(run)}/${(run as AgentRun).spec.instanceRef}`],
        coalesceMs: 1_000,
      },
      { informer: configMaps as ResourceInformer<object>, toKeys: ownerKeys('ClawInstance') },
      { informer: deployments as ResourceInformer<object>, toKeys: ownerKeys('ClawInstance') },
      {
        // a channel pod's waiting reason (e.g. ImagePullBackOff) is part of the instance's status
        informer: channelPods as ResourceInformer<object>,
        toKeys: (pod) => {
          const instance = labelOf(pod, labels.instance);
          return instance ? [`${namespaceOf(pod)}/${instance}`] : [];
        },
      },
      {
        informer: policies as ResourceInformer<object>,
        toKeys: (policy) =>
          instancesReferring(
            namespaceOf(policy),
            (i) => i.spec.policyRef === (policy as ClawPolicy).metadata.name,
          ),
      },
      {
        informer: skillPacks as ResourceInformer<object>,
        toKeys: (pack) =>
          instancesReferring(namespaceOf(pack), (i) =>
            (i.spec.skills ?? []).some((s) => s.skillPackRef === (pack as SkillPack).metadata.name),
          ),
      },
    ],
  });

  const schedules = informer<ClawSchedule>(resourceOf(clawScheduleKind));
  manager.register({
    name: 'clawschedule',
    reconcile: createScheduleReconciler({ kube: deps.kube, schedules, runs, recorder, now: deps.now }),
    primary: schedules as ResourceInformer<object>,
    watches: [
      {
        informer: runs as ResourceInformer<object>,
        toKeys: (run) => {
          const schedule = labelOf(run, labels.schedule);
          return schedule ? [`${namespaceOf(run)}/${schedule}`] : [];
        },
      },
    ],
  });
}
