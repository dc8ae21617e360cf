// The tick arithmetic of a ClawSchedule: when its cron expression fires, in its time zone. Pure: the
// caller passes the instants; nothing here reads the clock.
//
// Daylight saving time. cron-parser's `next()` depends on where iteration starts when that start
// lies in the hour after a transition: started inside a repeated hour it fires a wall-clock time a
// second time, started just after a skipped hour it drops that day's tick. Iteration that runs
// through a transition from before it is consistent, so every lookup here starts two hours early
// (more than any DST shift) and walks forward. The resulting ticks, which the tests pin down:
// - a wall-clock time that does not exist (spring forward) fires once, shifted by the size of the
//   gap: 02:30 in Europe/Berlin on the spring-forward day fires at 03:30 CEST;
// - a wall-clock time that exists twice (fall back) fires once, at its first occurrence: 02:30 in
//   Europe/Berlin on the fall-back day fires at 02:30 CEST, not again at 02:30 CET;
// - schedules that fire every hour keep firing every real hour across both transitions.
// `prev()` has the opposite quirks (it skips the spring-forward tick and returns both fall-back
// occurrences), so it only serves as a coarse anchor from which the forward walk decides.
import { CronExpressionParser, type CronExpression } from 'cron-parser';
import type { ClawScheduleSpec } from '../../api/index.ts';

/** More missed ticks than this are reported as too many (CronJob's limit); counting stops there. */
export const maxMissedTicks = 100;

const hourMs = 60 * 60 * 1000;
/** Longer than any DST shift, so a walk started this much earlier crosses a transition from before. */
const dstLookBackMs = 2 * hourMs;
/** How far past a tick cron-parser cannot compute the walk may step before giving up. */
const maxSkippedHours = 48;

export type TickSpec = Pick<ClawScheduleSpec, 'schedule' | 'timeZone'>;

export interface MissedTicks {
  /** The most recent tick in (earliest, now]: the only one that may still start. */
  tick?: Date;
  /** Ticks in (earliest, now], capped at maxMissedTicks + 1. */
  missedCount: number;
}

/** The first tick strictly after `after`. Throws when cron-parser cannot iterate the expression. */
export function nextTickAfter(spec: TickSpec, after: Date): Date {
  const { value } = ticksAfter(spec, after).next();
  return value;
}

/**
 * The ticks in (earliest, now]: the latest of them and how many there are. `earliest` is the last
 * run's tick, or the schedule's creation time before the first run.
 */
export function mostRecentMissedTick(spec: TickSpec, window: { earliest: Date; now: Date }): MissedTicks {
  const { earliest, now } = window;
  let tick: Date | undefined;
  let missedCount = 0;
  for (const candidate of ticksAfter(spec, earliest)) {
    if (candidate > now) break;
    missedCount += 1;
    if (missedCount > maxMissedTicks) {
      // too many to walk through one by one: jump to the end of the window
      const latest = latestTickAtOrBefore(spec, now);
      return latest ? { tick: latest, missedCount } : { missedCount };
    }
    tick = candidate;
  }
  return tick ? { tick, missedCount } : { missedCount };
}

function parse(spec: TickSpec, start: Date): CronExpression {
  return CronExpressionParser.parse(spec.schedule.trim(), {
    tz: spec.timeZone ?? 'UTC',
    currentDate: start,
  });
}

/** The ticks strictly after `after`, ascending, without end. */
function* ticksAfter(spec: TickSpec, after: Date): Generator<Date, never> {
  let cursor = new Date(after.getTime() - dstLookBackMs);
  let iterator = parse(spec, cursor);
  let failures = 0;
  for (;;) {
    let tick: Date;
    try {
      tick = iterator.next().toDate();
    } catch (error) {
      // cron-parser gives up (loop limit) on ticks at the half-hour DST transitions of
      // Australia/Lord_Howe; step past the transition and lose that tick rather than stall for good
      failures += 1;
      if (failures > maxSkippedHours) throw error;
      cursor = new Date(cursor.getTime() + hourMs);
      iterator = parse(spec, cursor);
      continue;
    }
    failures = 0;
    cursor = tick;
    if (tick > after) yield tick;
  }
}

function latestTickAtOrBefore(spec: TickSpec, now: Date): Date | undefined {
  // prev() excludes its start, hence now + 1 ms. Its answer may be the second occurrence of a
  // repeated wall-clock time, which the forward walk does not count, so the walk starts early enough
  // to meet the first occurrence; a spring-forward tick prev() skipped lies after its answer anyway.
  const anchor = parse(spec, new Date(now.getTime() + 1))
    .prev()
    .toDate();
  let latest: Date | undefined;
  for (const tick of ticksAfter(spec, new Date(anchor.getTime() - dstLookBackMs))) {
    if (tick > now) break;
    latest = tick;
  }
  return latest;
}
