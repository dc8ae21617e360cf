// ClawSchedule status (pure) from a schedule plan: times as RFC 3339, the Ready condition from the
// phase, observedGeneration.
import { conditionTypes, reasons, type ClawSchedule, type ClawScheduleStatus } from '../../api/index.ts';
import { setCondition } from '../status-conditions.ts';
import type { SchedulePlan } from './plan-schedule.ts';

export function buildScheduleStatus(
  schedule: ClawSchedule,
  plan: SchedulePlan,
  now: Date,
): ClawScheduleStatus {
  const generation = schedule.metadata.generation;
  const ready =
    plan.phase === 'Error'
      ? {
          type: conditionTypes.ready,
          status: 'False' as const,
          reason: reasons.invalidSchedule,
          message: plan.problem ?? 'invalid schedule',
        }
      : plan.phase === 'Suspended'
        ? {
            type: conditionTypes.ready,
            status: 'True' as const,
            reason: reasons.suspended,
            message: 'suspended: no runs are created',
          }
        : {
            type: conditionTypes.ready,
            status: 'True' as const,
            reason: reasons.reconciled,
            message: 'scheduling runs',
          };
  return {
    ...(generation !== undefined ? { observedGeneration: generation } : {}),
    phase: plan.phase,
    ...(plan.lastRunTime ? { lastRunTime: plan.lastRunTime.toISOString() } : {}),
    ...(plan.nextRunTime ? { nextRunTime: plan.nextRunTime.toISOString() } : {}),
    ...(plan.lastRunName ? { lastRunName: plan.lastRunName } : {}),
    totalRuns: plan.totalRuns,
    activeRuns: plan.activeRuns,
    conditions: setCondition(schedule.status?.conditions, ready, now, generation),
  };
}
