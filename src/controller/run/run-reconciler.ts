// AgentRun reconciler: observe (caches) → plan (pure) → apply (Job, NetworkPolicy, deletions) →
// write status once. The Job's name derives from the run's, so a run gets exactly one Job even when
// two leaders overlap or a create is retried; once the status names the Job, a Job that is gone
// fails the run rather than starting it again.
import {
  agentRunKind,
  annotations,
  fieldManagers,
  resourceOf,
  type AgentRun,
  type RunIdentity,
  type RunInput,
} from '../../api/index.ts';
import {
  isAlreadyExists,
  ignoreNotFound,
  undefinedIfNotFound,
  type EventRecorder,
  type KubeClient,
  type Reconcile,
} from '../../kube/index.ts';
import { agentJobName, buildRunBusCredentialsSecret } from '../../orchestrator/index.ts';
import { writeStatusIfChanged } from '../write-status.ts';
import { observeRun, toObservedJob, type RunCaches } from './observe-run.ts';
import { planRun, type RunObservation, type RunPlan, type RunPlanOptions } from './plan-run.ts';
import { resultRecordedCondition, withoutResultFields } from './plan-result.ts';
import { planEndedChildAnswer } from '../subagent/plan-answer.ts';
import { InstanceAdmissions } from './instance-admissions.ts';
import { recordRunResult, type RecordResultDeps } from './record-result.ts';

/** Signs event bus credentials that let one run's bridge use only that run's subjects. */
export type IssueRunBusCredentials = (identity: RunIdentity, expiresAt: Date) => Promise<string>;

/** Puts an answer into a run's input on the event bus (sub-agent answers to their parents). */
export type PublishRunInput = (identity: RunIdentity, input: RunInput) => Promise<void>;

export interface RunReconcilerDeps {
  kube: KubeClient;
  /** Without it, a sub-agent that ends without a result on the bus leaves its parent waiting. */
  publishRunInput?: PublishRunInput;
  onRunResult?: RecordResultDeps['onOutcome'];
  issueRunBusCredentials?: IssueRunBusCredentials;
  caches: RunCaches;
  recorder: EventRecorder;
  now: () => Date;
  options: RunPlanOptions;
}

/** Writes the cancel mark on the sub-agents of an ended run. */
const subagentFieldManager = fieldManagers.controller('subagent');

export function createRunReconciler(deps: RunReconcilerDeps): Reconcile {
  const { kube } = deps;
  const manager = fieldManagers.controller('agentrun');
  const admissions = new InstanceAdmissions({ now: () => deps.now().getTime() });
  // sub-agent admissions by parent and by instance, held the same way until the runs cache shows
  // the child admitted (its status names its Job): those limits count admitted children
  const subagentAdmissions = new InstanceAdmissions({ now: () => deps.now().getTime() });
  return async (key) => {
    const [namespace = '', name = ''] = key.split('/');
    const run: AgentRun | undefined = deps.caches.runs.get(namespace, name);
    if (!run || run.metadata.deletionTimestamp) return;
    const instanceKey = `${namespace}/${run.spec.instanceRef}`;
    const jobName = agentJobName(name);
    const observation = await observeRunAndItsJob(kube, run, deps.caches, deps.now());
    const subagentScopes = run.spec.parent
      ? { parent: `parent:${namespace}/${run.spec.parent.runName}`, instance: `instance:${instanceKey}` }
      : undefined;
    const shownAdmitted = (child: string) =>
      deps.caches.runs.get(namespace, child)?.status?.jobName !== undefined;
    // from here to the reservation nothing awaits: no other worker counts in between
    const plan = planRun(
      {
        ...observation,
        activeRunsOfInstance:
          observation.activeRunsOfInstance +
          admissions.unseen(
            instanceKey,
            (job) => deps.caches.jobs.get(namespace, job) !== undefined,
            jobName,
          ),
        ...(subagentScopes
          ? {
              activeChildrenOfParent:
                (observation.activeChildrenOfParent ?? 0) +
                subagentAdmissions.unseen(subagentScopes.parent, shownAdmitted, name),
              activeSubagentsOfInstance:
                (observation.activeSubagentsOfInstance ?? 0) +
                subagentAdmissions.unseen(subagentScopes.instance, shownAdmitted, name),
            }
          : {}),
      },
      deps.options,
    );
    const reservations: [InstanceAdmissions, string, string][] = plan.createJob
      ? [
          [admissions, instanceKey, jobName],
          ...Object.values(subagentScopes ?? {}).map((scope): [InstanceAdmissions, string, string] => [
            subagentAdmissions,
            scope,
            name,
          ]),
        ]
      : [];
    for (const [held, key, token] of reservations) held.reserve(key, token);
    try {
      await createRunObjects(deps, run, plan, manager);
    } catch (error) {
      for (const [held, key, token] of reservations) held.release(key, token);
      throw error;
    }

    if (plan.stopChildren) await stopChildren(deps, run, plan.stopChildren);
    // a sub-agent nobody waits for: stopped as its parent's sweep would stop it
    if (plan.cancel) {
      await cancelSubagent(deps, namespace, { name, jobName: plan.cancel.jobName }, plan.cancel.by);
    }
    // a sub-agent ending now without a result from the bus: its parent's call is told here (once
    // the status is written this is not seen again; a failed publish retries the reconcile)
    const answer =
      run.spec.parent && plan.status.phase !== run.status?.phase
        ? planEndedChildAnswer(
            run,
            {
              ...(plan.status.phase ? { phase: plan.status.phase } : {}),
              ...(plan.status.error ? { error: plan.status.error } : {}),
              ...(plan.recordResult ? { fallback: plan.recordResult.result } : {}),
              resultFromBus: resultRecordedCondition(run)?.status === 'True',
            },
            deps.now(),
          )
        : undefined;
    if (answer && deps.publishRunInput) await deps.publishRunInput(answer.parent, answer.input);
    if (plan.deleteRun) {
      const resource = resourceOf(agentRunKind);
      await ignoreNotFound(kube.customObjects.deleteNamespacedCustomObject({ ...resource, namespace, name }));
      return;
    }
    if (plan.deleteJob) {
      await ignoreNotFound(
        kube.batch.deleteNamespacedJob({
          name: jobName,
          namespace,
          propagationPolicy: 'Background',
        }),
      );
    }
    if (plan.recordResult) {
      const { result, source } = plan.recordResult;
      await recordRunResult(
        { kube, now: deps.now, ...(deps.onRunResult ? { onOutcome: deps.onRunResult } : {}) },
        { namespace, name, uid: run.metadata.uid },
        result,
        source,
      );
    }
    // the result fields belong to the result writer: never written (nor removed) from here
    await writeStatusIfChanged(
      kube,
      agentRunKind,
      { metadata: run.metadata, status: run.status ? withoutResultFields(run.status) : undefined },
      withoutResultFields(plan.status),
    );
    if (plan.status.phase !== run.status?.phase) {
      const failed = plan.status.phase === 'Failed';
      const ready = plan.status.conditions?.find((c) => c.type === 'Scheduled' && c.status === 'False');
      const message = failed
        ? (plan.status.error ?? 'the run failed')
        : (ready?.message ?? `the run is ${plan.status.phase}`);
      await deps.recorder.record(
        run,
        failed || ready ? 'Warning' : 'Normal',
        plan.status.phase ?? 'Pending',
        message,
      );
    }
    return plan.requeueAfterMs !== undefined ? { requeueAfterMs: plan.requeueAfterMs } : undefined;
  };
}

/**
 * The caches, plus one direct read in a rare case: a run whose status names its Job while the Job
 * cache lacks it. Only the apiserver can tell a Job the cache has not seen yet from one that is gone.
 */
async function observeRunAndItsJob(
  kube: KubeClient,
  run: AgentRun,
  caches: RunCaches,
  now: Date,
): Promise<RunObservation> {
  const observation = observeRun(run, caches, now);
  const jobName = run.status?.jobName;
  const finished = run.status?.phase === 'Succeeded' || run.status?.phase === 'Failed';
  if (observation.job || !jobName || finished) return observation;
  const live = await undefinedIfNotFound(
    kube.batch.readNamespacedJob({ name: jobName, namespace: run.metadata.namespace }),
  );
  return live ? { ...observation, job: toObservedJob(live) } : { ...observation, jobGone: true };
}

/**
 * Stops the sub-agents of a run that has ended, as the API server cancels a run: marked cancelled
 * (by the parent), then its Job deleted, so the child fails with reason Cancelled. One not admitted
 * yet has no Job and is deleted instead.
 */
async function stopChildren(
  deps: RunReconcilerDeps,
  parent: AgentRun,
  children: NonNullable<RunPlan['stopChildren']>,
): Promise<void> {
  const { namespace } = parent.metadata;
  for (const child of children) {
    if (!child.jobName) {
      await ignoreNotFound(
        deps.kube.customObjects.deleteNamespacedCustomObject({
          ...resourceOf(agentRunKind),
          namespace,
          name: child.name,
        }),
      );
      continue;
    }
    await cancelSubagent(
      deps,
      namespace,
      { name: child.name, jobName: child.jobName },
      `parent run ${parent.metadata.name}, which ended`,
    );
  }
  await deps.recorder.record(
    parent,
    'Normal',
    'SubagentsStopped',
    `the run ended; its unfinished sub-agent runs were stopped: ${children.map((c) => c.name).join(', ')}`,
  );
}

/** Cancels an admitted sub-agent as the API server cancels a run: the mark, then its Job deleted. */
async function cancelSubagent(
  deps: RunReconcilerDeps,
  namespace: string,
  child: { name: string; jobName: string },
  by: string,
): Promise<void> {
  const { kube } = deps;
  const resource = resourceOf(agentRunKind);
  try {
    await kube.apply(
      {
        apiVersion: resource.apiVersion,
        kind: resource.kind,
        metadata: {
          name: child.name,
          namespace,
          annotations: {
            [annotations.cancelledBy]: by,
            [annotations.cancelledAt]: deps.now().toISOString(),
          },
        },
      },
      subagentFieldManager,
    );
  } catch (error) {
    // an apply to a child deleted meanwhile would create it, which its schema refuses
    const gone = !(await undefinedIfNotFound(
      kube.customObjects.getNamespacedCustomObject({ ...resource, namespace, name: child.name }),
    ));
    if (!gone) throw error;
    return;
  }
  await ignoreNotFound(
    kube.batch.deleteNamespacedJob({ name: child.jobName, namespace, propagationPolicy: 'Background' }),
  );
}

/** What a run needs before its pod starts: its NetworkPolicy, its bus credentials, then its Job. */
async function createRunObjects(
  deps: RunReconcilerDeps,
  run: AgentRun,
  plan: RunPlan,
  manager: string,
): Promise<void> {
  if (plan.createNetworkPolicy) await deps.kube.apply(plan.createNetworkPolicy, manager);
  if (plan.createBusCredentials) await createBusCredentials(deps, run, plan.createBusCredentials);
  if (plan.createJob) {
    try {
      await deps.kube.create(plan.createJob);
    } catch (error) {
      if (!isAlreadyExists(error)) throw error;
    }
  }
}

/** A retry signs fresh credentials but never replaces the Secret a pod may already mount. */
async function createBusCredentials(
  deps: RunReconcilerDeps,
  run: AgentRun,
  request: NonNullable<RunPlan['createBusCredentials']>,
): Promise<void> {
  const { namespace, name, uid } = run.metadata;
  if (!deps.issueRunBusCredentials) {
    throw new Error('runs need event bus credentials but the controller has no account signer');
  }
  const credentials = await deps.issueRunBusCredentials(
    { namespace, instance: request.instanceName, run: name, runUid: uid ?? '' },
    request.expiresAt,
  );
  try {
    await deps.kube.create(buildRunBusCredentialsSecret(run, request.instanceName, credentials));
  } catch (error) {
    if (!isAlreadyExists(error)) throw error;
  }
}
