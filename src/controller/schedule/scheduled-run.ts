// What the schedule reconciler needs to know about one AgentRun it started: the observed facts
// (phase, tick, timestamps) as Dates, read from the object with no defaults guessed beyond the
// documented fallbacks.
import { annotations, type AgentRun, type RunPhase } from '../../api/index.ts';

export interface ScheduledRun {
  name: string;
  /** undefined until the run controller has written a status: the run counts as active. */
  phase: RunPhase | undefined;
  /** The tick the run was created for (annotation `k8sclaw.io/scheduled-at`). */
  scheduledAt?: Date;
  completedAt?: Date;
  creationTimestamp: Date;
}

/** Reads a run listed by the schedule label. A missing creationTimestamp falls back to the tick. */
export function toScheduledRun(run: AgentRun): ScheduledRun {
  const scheduledAt = parseTime(run.metadata.annotations?.[annotations.scheduledAt]);
  const completedAt = parseTime(run.status?.completedAt);
  const created = parseTime(run.metadata.creationTimestamp) ?? scheduledAt ?? new Date(0);
  return {
    name: run.metadata.name,
    phase: run.status?.phase,
    ...(scheduledAt ? { scheduledAt } : {}),
    ...(completedAt ? { completedAt } : {}),
    creationTimestamp: created,
  };
}

function parseTime(value: string | undefined): Date | undefined {
  if (value === undefined) return undefined;
  const time = new Date(value);
  return Number.isNaN(time.getTime()) ? undefined : time;
}
