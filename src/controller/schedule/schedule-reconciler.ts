// ClawSchedule reconciler: observe the schedule's runs (by label) → plan (CronJob semantics) →
// delete replaced and over-history runs, create the tick's run (deterministic name: a retry or a
// second leader gets AlreadyExists, never a duplicate) → status once → requeue for the next tick.
import {
  agentRunKind,
  clawScheduleKind,
  labels,
  resourceOf,
  type AgentRun,
  type ClawSchedule,
} from '../../api/index.ts';
import {
  isAlreadyExists,
  ignoreNotFound,
  type EventRecorder,
  type KubeClient,
  type Reconcile,
  type ResourceInformer,
} from '../../kube/index.ts';
import { writeStatusIfChanged } from '../write-status.ts';
import { buildScheduledRun } from './build-scheduled-run.ts';
import { planSchedule, scheduleEventReasons } from './plan-schedule.ts';
import { toScheduledRun } from './scheduled-run.ts';
import { buildScheduleStatus } from './schedule-status.ts';

export interface ScheduleReconcilerDeps {
  kube: KubeClient;
  schedules: ResourceInformer<ClawSchedule>;
  runs: ResourceInformer<AgentRun>;
  recorder: EventRecorder;
  now: () => Date;
}

export function createScheduleReconciler(deps: ScheduleReconcilerDeps): Reconcile {
  const { kube } = deps;
  const runResource = resourceOf(agentRunKind);
  return async (key) => {
    const [namespace = '', name = ''] = key.split('/');
    const schedule = deps.schedules.get(namespace, name);
    if (!schedule || schedule.metadata.deletionTimestamp) return;
    const now = deps.now();
    const runs = deps.runs.list(namespace).filter((r) => r.metadata.labels?.[labels.schedule] === name);
    const plan = planSchedule({ schedule, now, runs: runs.map(toScheduledRun) });

    for (const deletion of plan.deleteRuns) {
      await ignoreNotFound(
        kube.customObjects.deleteNamespacedCustomObject({ ...runResource, namespace, name: deletion.name }),
      );
    }
    let created = false;
    if (plan.createRun) {
      const run = buildScheduledRun(schedule, plan.createRun.name, plan.createRun.scheduledAt);
      try {
        await kube.customObjects.createNamespacedCustomObject({ ...runResource, namespace, body: run });
        created = true;
      } catch (error) {
        if (!isAlreadyExists(error)) throw error;
      }
    }
    await writeStatusIfChanged(kube, clawScheduleKind, schedule, buildScheduleStatus(schedule, plan, now));
    for (const event of plan.events) {
      if (event.reason === scheduleEventReasons.createdRun && !created) continue;
      await deps.recorder.record(schedule, event.type, event.reason, event.message);
    }
    return { requeueAfterMs: plan.requeueAfterMs };
  };
}
