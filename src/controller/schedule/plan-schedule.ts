// The decisions of the ClawSchedule reconciler, CronJob's rules applied to AgentRuns: whether the
// most recent unmet tick starts a run now, which runs go (Replace, history limits), the status that
// follows and the Events that explain it. Pure: the reconciler observes the schedule and the runs
// labelled with it, passes the time in, applies the plan and writes the status from it.
//
// Events are edge-triggered without memory of their own: a decision about a tick is announced only
// the first time the tick is seen, that is when it is not before the `status.nextRunTime` the last
// reconcile wrote (or the spec changed since). Reconciles between ticks therefore stay silent.
import { validateCronExpression, type ClawSchedule, type ClawScheduleSpec } from '../../api/index.ts';
import { buildScheduledRunName } from './run-name.ts';
import { maxMissedTicks, mostRecentMissedTick, nextTickAfter, type MissedTicks } from './schedule-ticks.ts';
import type { ScheduledRun } from './scheduled-run.ts';

/** Never requeue sooner: a tick that is due now is handled by this reconcile. */
export const minRequeueMs = 1000;
/**
 * Never wait longer, even when the next tick is days away: the wait is measured on a monotonic
 * timer while ticks are wall-clock instants, so a stepped host clock or a paused process would
 * otherwise leave a schedule late by the whole drift. One reconcile per schedule every ten minutes
 * reads only the informer cache, so the bound costs little.
 */
export const maxRequeueMs = 10 * 60 * 1000;

const defaultSuccessfulRunsHistoryLimit = 3;
const defaultFailedRunsHistoryLimit = 1;

export const scheduleEventReasons = {
  sawCompletedRun: 'SawCompletedRun',
  missedSchedule: 'MissedSchedule',
  tooManyMissedTimes: 'TooManyMissedTimes',
  skippedForbid: 'SkippedForbid',
  replacedRun: 'ReplacedRun',
  createdRun: 'CreatedRun',
  invalidSchedule: 'InvalidSchedule',
} as const;
export type ScheduleEventReason = (typeof scheduleEventReasons)[keyof typeof scheduleEventReasons];

export interface ScheduleInput {
  schedule: ClawSchedule;
  now: Date;
  /** The AgentRuns labelled with this schedule, in any order. */
  runs: readonly ScheduledRun[];
}

export interface RunDeletion {
  name: string;
  why: 'Replace' | 'HistoryLimit';
}

export interface ScheduleEvent {
  type: 'Normal' | 'Warning';
  reason: ScheduleEventReason;
  message: string;
}

export interface SchedulePlan {
  /** Build it with buildScheduledRun(schedule, name, scheduledAt). */
  createRun?: { name: string; scheduledAt: Date };
  deleteRuns: RunDeletion[];
  /** Active runs once the plan is applied (observed, minus replaced, plus created), sorted. */
  activeRuns: string[];
  lastRunTime?: Date;
  lastRunName?: string;
  totalRuns: number;
  nextRunTime?: Date;
  requeueAfterMs: number;
  events: ScheduleEvent[];
  phase: 'Active' | 'Suspended' | 'Error';
  /** Why the phase is Error, for the Ready condition. */
  problem?: string;
}

export function planSchedule(input: ScheduleInput): SchedulePlan {
  const { schedule, now, runs } = input;
  const { spec, status } = schedule;
  const active = runs.filter(isActive);
  const events = sawCompletedRuns(status?.activeRuns, runs);
  const lastRun = latestRun(schedule, runs, now);
  const common: CommonPlan = {
    deleteRuns: historyLimitDeletions(spec, runs),
    activeRuns: names(active),
    ...(lastRun.time ? { lastRunTime: lastRun.time } : {}),
    ...(lastRun.name ? { lastRunName: lastRun.name } : {}),
    totalRuns: status?.totalRuns ?? 0,
    events,
  };
  const specChanged = status?.observedGeneration !== schedule.metadata.generation;
  const fail = (problem: string) => errorPlan(common, problem, status?.phase, specChanged);

  const invalid = validateCronExpression(spec.schedule, spec.timeZone);
  if (invalid !== undefined) return fail(`invalid schedule "${spec.schedule}": ${invalid}`);

  const since = lastRun.time ?? parseTime(schedule.metadata.creationTimestamp) ?? now;
  let ticks: Ticks;
  try {
    ticks = observeTicks(spec, since, now);
  } catch (error) {
    // cron-parser can give up near the DST transitions of half-hour zones
    const reason = error instanceof Error ? error.message : String(error);
    return fail(`cannot compute the ticks of "${spec.schedule}": ${reason}`);
  }
  const { nextRunTime, due, tooLate } = ticks;
  const requeueAfterMs = Math.min(
    maxRequeueMs,
    Math.max(minRequeueMs, nextRunTime.getTime() - now.getTime()),
  );
  const waiting: SchedulePlan = { ...common, nextRunTime, requeueAfterMs, phase: 'Active' };
  if (spec.suspend) return { ...waiting, phase: 'Suspended' };

  const previousNext = parseTime(status?.nextRunTime);
  const isNewTick = (tick: Date) => specChanged || previousNext === undefined || tick >= previousNext;

  if (!due.tick) {
    if (!tooLate.tick || !isNewTick(tooLate.tick)) return waiting;
    const warning: ScheduleEvent = {
      type: 'Warning',
      reason: scheduleEventReasons.missedSchedule,
      message:
        `missed the tick at ${tooLate.tick.toISOString()} by more than startingDeadlineSeconds ` +
        `(${spec.startingDeadlineSeconds}); the next tick is at ${nextRunTime.toISOString()}`,
    };
    return { ...waiting, events: [...events, warning] };
  }

  const tick = due.tick;
  const name = buildScheduledRunName(schedule.metadata.name, tick);
  if (runs.some((run) => run.name === name)) return waiting;

  const policy = spec.concurrencyPolicy ?? 'Forbid';
  if (policy === 'Forbid' && active.length > 0) {
    if (!isNewTick(tick)) return waiting;
    const skipped: ScheduleEvent = {
      type: 'Normal',
      reason: scheduleEventReasons.skippedForbid,
      message:
        `not starting a run for the tick at ${tick.toISOString()}: ${names(active).join(', ')} ` +
        `still active and concurrencyPolicy is Forbid`,
    };
    return { ...waiting, events: [...events, skipped] };
  }

  const replaced = policy === 'Replace' ? names(active) : [];
  return {
    ...waiting,
    createRun: { name, scheduledAt: tick },
    deleteRuns: [...replaced.map((run) => ({ name: run, why: 'Replace' as const })), ...common.deleteRuns],
    activeRuns: [...common.activeRuns.filter((run) => !replaced.includes(run)), name].sort(),
    lastRunTime: tick,
    lastRunName: name,
    totalRuns: common.totalRuns + 1,
    events: [
      ...events,
      ...replaced.map((run): ScheduleEvent => ({
        type: 'Normal',
        reason: scheduleEventReasons.replacedRun,
        message: `deleting active run ${run} to replace it (concurrencyPolicy Replace)`,
      })),
      ...missedTickEvents(due.missedCount, tooLate.missedCount, since, tick),
      {
        type: 'Normal',
        reason: scheduleEventReasons.createdRun,
        message: `created run ${name} for the tick at ${tick.toISOString()}`,
      },
    ],
  };
}

interface Ticks {
  nextRunTime: Date;
  /** The tick that may start now: the latest within startingDeadlineSeconds. */
  due: MissedTicks;
  /** Ticks since the last run that are older than startingDeadlineSeconds. */
  tooLate: MissedTicks;
}

function observeTicks(spec: ClawScheduleSpec, since: Date, now: Date): Ticks {
  const nextRunTime = nextTickAfter(spec, now);
  // too late means now - tick > startingDeadlineSeconds, so a tick exactly that old may still start
  const deadline =
    spec.startingDeadlineSeconds === undefined
      ? undefined
      : new Date(now.getTime() - spec.startingDeadlineSeconds * 1000 - 1);
  if (deadline === undefined || deadline <= since) {
    return {
      nextRunTime,
      due: mostRecentMissedTick(spec, { earliest: since, now }),
      tooLate: { missedCount: 0 },
    };
  }
  return {
    nextRunTime,
    due: mostRecentMissedTick(spec, { earliest: deadline, now }),
    tooLate: mostRecentMissedTick(spec, { earliest: since, now: deadline }),
  };
}

type CommonPlan = Pick<
  SchedulePlan,
  'deleteRuns' | 'activeRuns' | 'lastRunTime' | 'lastRunName' | 'totalRuns' | 'events'
>;

function errorPlan(
  common: CommonPlan,
  problem: string,
  previousPhase: string | undefined,
  specChanged: boolean,
): SchedulePlan {
  // an invalid spec waits for its fix (a spec change reconciles anyway); a failed tick computation
  // is retried after the longest wait
  const events =
    previousPhase === 'Error' && !specChanged
      ? common.events
      : [
          ...common.events,
          { type: 'Warning' as const, reason: scheduleEventReasons.invalidSchedule, message: problem },
        ];
  return { ...common, events, requeueAfterMs: maxRequeueMs, phase: 'Error', problem };
}

function missedTickEvents(dueCount: number, tooLateCount: number, since: Date, tick: Date): ScheduleEvent[] {
  if (dueCount > maxMissedTicks) {
    return [
      {
        type: 'Warning',
        reason: scheduleEventReasons.tooManyMissedTimes,
        message:
          `more than ${maxMissedTicks} ticks missed since ${since.toISOString()}; starting only the most ` +
          `recent (${tick.toISOString()}). Set or lower startingDeadlineSeconds, or check for clock skew`,
      },
    ];
  }
  const skipped = dueCount - 1 + tooLateCount;
  if (skipped === 0) return [];
  const count = tooLateCount > maxMissedTicks ? `more than ${maxMissedTicks}` : String(skipped);
  return [
    {
      type: 'Warning',
      reason: scheduleEventReasons.missedSchedule,
      message:
        `${count} earlier tick(s) since ${since.toISOString()} missed; starting only the most recent ` +
        `(${tick.toISOString()})`,
    },
  ];
}

function isActive(run: ScheduledRun): boolean {
  return run.phase === undefined || run.phase === 'Pending' || run.phase === 'Running';
}

function names(runs: readonly ScheduledRun[]): string[] {
  return runs.map((run) => run.name).sort();
}

/** Runs the last status listed as active that have finished since. */
function sawCompletedRuns(previouslyActive: readonly string[] | undefined, runs: readonly ScheduledRun[]) {
  const events: ScheduleEvent[] = [];
  for (const name of [...(previouslyActive ?? [])].sort()) {
    const run = runs.find((r) => r.name === name);
    if (!run || isActive(run)) continue;
    const at = run.completedAt ? ` at ${run.completedAt.toISOString()}` : '';
    events.push({
      type: 'Normal',
      reason: scheduleEventReasons.sawCompletedRun,
      message: `run ${name} finished${at}: ${run.phase}`,
    });
  }
  return events;
}

/**
 * The last tick served: the status's, or a later run's `scheduled-at` (a lost status write must not
 * start a tick again). Ticks in the future are ignored, so a stray annotation cannot stop the schedule.
 */
function latestRun(schedule: ClawSchedule, runs: readonly ScheduledRun[], now: Date) {
  let time = parseTime(schedule.status?.lastRunTime);
  let name = schedule.status?.lastRunName;
  for (const run of runs) {
    const at = run.scheduledAt;
    if (at && at <= now && (!time || at > time)) {
      time = at;
      name = run.name;
    }
  }
  return { time, name };
}

/** Older finished runs beyond the history limits, oldest first within each phase. */
function historyLimitDeletions(spec: ClawScheduleSpec, runs: readonly ScheduledRun[]): RunDeletion[] {
  const limits = [
    ['Succeeded', spec.successfulRunsHistoryLimit ?? defaultSuccessfulRunsHistoryLimit],
    ['Failed', spec.failedRunsHistoryLimit ?? defaultFailedRunsHistoryLimit],
  ] as const;
  return limits.flatMap(([phase, limit]) => {
    const finished = runs.filter((run) => run.phase === phase).sort(newestFirst);
    return finished
      .slice(limit)
      .reverse()
      .map((run) => ({ name: run.name, why: 'HistoryLimit' as const }));
  });
}

function newestFirst(a: ScheduledRun, b: ScheduledRun): number {
  const byTick =
    (b.scheduledAt ?? b.creationTimestamp).getTime() - (a.scheduledAt ?? a.creationTimestamp).getTime();
  if (byTick !== 0) return byTick;
  const byCreation = b.creationTimestamp.getTime() - a.creationTimestamp.getTime();
  if (byCreation !== 0) return byCreation;
  return a.name < b.name ? 1 : a.name > b.name ? -1 : 0;
}

function parseTime(value: string | undefined): Date | undefined {
  if (value === undefined) return undefined;
  const time = new Date(value);
  return Number.isNaN(time.getTime()) ? undefined : time;
}
