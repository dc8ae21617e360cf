// AgentRun reconciler: observe (caches) → plan (pure) → apply (Job, NetworkPolicy, deletions) →
// write status once. The Job's name derives from the run's, so a run gets exactly one Job even when
// two leaders overlap or a create is retried.
import { agentRunKind, fieldManagers, resourceOf, type AgentRun } from '../../api/index.ts';
import {
  isAlreadyExists,
  ignoreNotFound,
  type EventRecorder,
  type KubeClient,
  type Reconcile,
} from '../../kube/index.ts';
import { agentJobName } from '../../orchestrator/index.ts';
import { writeStatusIfChanged } from '../write-status.ts';
import { observeRun, type RunCaches } from './observe-run.ts';
import { planRun, type RunPlanOptions } from './plan-run.ts';

export interface RunReconcilerDeps {
  kube: KubeClient;
  caches: RunCaches;
  recorder: EventRecorder;
  now: () => Date;
  options: RunPlanOptions;
}

export function createRunReconciler(deps: RunReconcilerDeps): Reconcile {
  const { kube } = deps;
  const manager = fieldManagers.controller('agentrun');
  return async (key) => {
    const [namespace = '', name = ''] = key.split('/');
    const run: AgentRun | undefined = deps.caches.runs.get(namespace, name);
    if (!run || run.metadata.deletionTimestamp) return;
    const plan = planRun(observeRun(run, deps.caches, deps.now()), deps.options);

    if (plan.deleteRun) {
      const resource = resourceOf(agentRunKind);
      await ignoreNotFound(kube.customObjects.deleteNamespacedCustomObject({ ...resource, namespace, name }));
      return;
    }
    if (plan.createNetworkPolicy) await kube.apply(plan.createNetworkPolicy, manager);
    if (plan.createJob) {
      try {
        await kube.batch.createNamespacedJob({ namespace, body: plan.createJob as never });
      } catch (error) {
        if (!isAlreadyExists(error)) throw error;
      }
    }
    if (plan.deleteJob) {
      await ignoreNotFound(
        kube.batch.deleteNamespacedJob({
          name: agentJobName(name),
          namespace,
          propagationPolicy: 'Background',
        }),
      );
    }
    await writeStatusIfChanged(kube, agentRunKind, run, plan.status);
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
