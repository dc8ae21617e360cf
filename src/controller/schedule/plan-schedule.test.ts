import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ClawSchedule, ClawScheduleSpec, ClawScheduleStatus } from '../../api/index.ts';
import { maxRequeueMs, minRequeueMs, planSchedule, type SchedulePlan } from './plan-schedule.ts';
import { buildScheduledRunName } from './run-name.ts';
import type { ScheduledRun } from './scheduled-run.ts';

const at = (iso: string) => new Date(iso);
const created = '2026-01-01T00:00:00Z';

const schedule = (spec: Partial<ClawScheduleSpec> = {}, status?: ClawScheduleStatus): ClawSchedule => ({
  apiVersion: 'k8sclaw.io/v1alpha1',
  kind: 'ClawSchedule',
  metadata: { name: 'nightly', namespace: 'team', uid: 'u-1', generation: 1, creationTimestamp: created },
  spec: { instanceRef: 'alice', schedule: '0 * * * *', task: 'check the alerts', ...spec },
  ...(status ? { status: { observedGeneration: 1, ...status } } : {}),
});

/** The run the schedule created for `tick`. */
const runFor = (
  tick: string,
  phase: ScheduledRun['phase'],
  extra: Partial<ScheduledRun> = {},
): ScheduledRun => ({
  name: runName(tick),
  phase,
  scheduledAt: at(tick),
  creationTimestamp: new Date(at(tick).getTime() + 2000),
  ...extra,
});
const runName = (tick: string) => buildScheduledRunName('nightly', at(tick));

/** The plan as comparable strings. */
function summary(plan: SchedulePlan) {
  return {
    create: plan.createRun ? `${plan.createRun.name}@${plan.createRun.scheduledAt.toISOString()}` : undefined,
    deletes: plan.deleteRuns.map((d) => `${d.name}:${d.why}`),
    active: plan.activeRuns,
    events: plan.events.map((e) => `${e.type}/${e.reason}`),
    phase: plan.phase,
    next: plan.nextRunTime?.toISOString(),
    lastRunTime: plan.lastRunTime?.toISOString(),
    requeueAfterMs: plan.requeueAfterMs,
  };
}
type Summary = ReturnType<typeof summary>;

function pick(actual: Summary, expected: Partial<Summary>): Partial<Summary> {
  return Object.fromEntries(Object.keys(expected).map((key) => [key, actual[key as keyof Summary]]));
}

interface Case {
  name: string;
  schedule: ClawSchedule;
  now: string;
  runs?: ScheduledRun[];
  expected: Partial<Summary>;
  message?: RegExp;
}

const cases: Case[] = [
  {
    name: 'before the first tick: nothing, requeue until it',
    schedule: schedule({ schedule: '*/5 * * * *' }),
    now: '2026-01-01T00:02:00Z',
    expected: {
      create: undefined,
      events: [],
      phase: 'Active',
      next: '2026-01-01T00:05:00.000Z',
      requeueAfterMs: 180_000,
    },
  },
  {
    name: 'a tick at the creation instant is not missed (as CronJob)',
    schedule: schedule(),
    now: '2026-01-01T00:00:30Z',
    expected: { create: undefined, events: [], next: '2026-01-01T01:00:00.000Z' },
  },
  {
    name: 'first tick after creation starts a run',
    schedule: schedule(),
    now: '2026-01-01T01:00:30Z',
    expected: {
      create: `${runName('2026-01-01T01:00:00Z')}@2026-01-01T01:00:00.000Z`,
      deletes: [],
      active: [runName('2026-01-01T01:00:00Z')],
      events: ['Normal/CreatedRun'],
      phase: 'Active',
      lastRunTime: '2026-01-01T01:00:00.000Z',
      next: '2026-01-01T02:00:00.000Z',
      requeueAfterMs: maxRequeueMs,
    },
  },
  {
    name: 'downtime with several missed ticks: only the latest runs, with a MissedSchedule warning',
    schedule: schedule({}, { lastRunTime: '2026-01-01T01:00:00Z', nextRunTime: '2026-01-01T02:00:00Z' }),
    now: '2026-01-01T05:10:00Z',
    expected: {
      create: `${runName('2026-01-01T05:00:00Z')}@2026-01-01T05:00:00.000Z`,
      events: ['Warning/MissedSchedule', 'Normal/CreatedRun'],
    },
    message: /^3 earlier tick\(s\) since 2026-01-01T01:00:00.000Z missed/,
  },
  {
    name: 'more than 100 missed ticks: TooManyMissedTimes, still only the latest runs',
    schedule: schedule({ schedule: '* * * * *' }, { lastRunTime: '2026-01-01T00:00:00Z' }),
    now: '2026-01-03T10:00:30Z',
    expected: {
      create: `${runName('2026-01-03T10:00:00Z')}@2026-01-03T10:00:00.000Z`,
      events: ['Warning/TooManyMissedTimes', 'Normal/CreatedRun'],
    },
    message: /more than 100 ticks missed/,
  },
  {
    name: 'startingDeadlineSeconds exceeded: skipped with a MissedSchedule warning',
    schedule: schedule(
      { startingDeadlineSeconds: 300 },
      { lastRunTime: '2026-01-01T00:00:00Z', nextRunTime: '2026-01-01T01:00:00Z' },
    ),
    now: '2026-01-01T01:05:01Z',
    expected: {
      create: undefined,
      events: ['Warning/MissedSchedule'],
      next: '2026-01-01T02:00:00.000Z',
      lastRunTime: '2026-01-01T00:00:00.000Z',
    },
    message: /missed the tick at 2026-01-01T01:00:00.000Z by more than startingDeadlineSeconds \(300\)/,
  },
  {
    name: 'startingDeadlineSeconds exceeded, already reported by the last reconcile: silent',
    schedule: schedule(
      { startingDeadlineSeconds: 300 },
      { lastRunTime: '2026-01-01T00:00:00Z', nextRunTime: '2026-01-01T02:00:00Z' },
    ),
    now: '2026-01-01T01:20:00Z',
    expected: { create: undefined, events: [] },
  },
  {
    name: 'exactly startingDeadlineSeconds late: still starts',
    schedule: schedule({ startingDeadlineSeconds: 300 }, { lastRunTime: '2026-01-01T00:00:00Z' }),
    now: '2026-01-01T01:05:00Z',
    expected: { create: `${runName('2026-01-01T01:00:00Z')}@2026-01-01T01:00:00.000Z` },
  },
  {
    name: 'startingDeadlineSeconds: ticks older than the deadline count as missed',
    schedule: schedule({ startingDeadlineSeconds: 300 }, { lastRunTime: '2026-01-01T00:00:00Z' }),
    now: '2026-01-01T03:01:00Z',
    expected: {
      create: `${runName('2026-01-01T03:00:00Z')}@2026-01-01T03:00:00.000Z`,
      events: ['Warning/MissedSchedule', 'Normal/CreatedRun'],
    },
    message: /^2 earlier tick\(s\)/,
  },
  {
    name: 'startingDeadlineSeconds bounds the count: long downtime is not TooManyMissedTimes',
    schedule: schedule(
      { schedule: '* * * * *', startingDeadlineSeconds: 120 },
      { lastRunTime: '2026-01-01T00:00:00Z' },
    ),
    now: '2026-01-02T00:00:30Z',
    expected: {
      create: `${runName('2026-01-02T00:00:00Z')}@2026-01-02T00:00:00.000Z`,
      events: ['Warning/MissedSchedule', 'Normal/CreatedRun'],
    },
    message: /^more than 100 earlier tick\(s\)/,
  },
  {
    name: 'Forbid with an active run: SkippedForbid, no run',
    schedule: schedule(
      {},
      {
        lastRunTime: '2026-01-01T00:00:00Z',
        nextRunTime: '2026-01-01T01:00:00Z',
        activeRuns: [runName('2026-01-01T00:00:00Z')],
      },
    ),
    runs: [runFor('2026-01-01T00:00:00Z', 'Running')],
    now: '2026-01-01T01:00:10Z',
    expected: {
      create: undefined,
      deletes: [],
      active: [runName('2026-01-01T00:00:00Z')],
      events: ['Normal/SkippedForbid'],
    },
  },
  {
    name: 'Forbid, the same tick at a later reconcile: silent',
    schedule: schedule({}, { lastRunTime: '2026-01-01T00:00:00Z', nextRunTime: '2026-01-01T02:00:00Z' }),
    runs: [runFor('2026-01-01T00:00:00Z', 'Pending')],
    now: '2026-01-01T01:30:00Z',
    expected: { create: undefined, events: [] },
  },
  {
    name: 'Forbid: a run without a phase yet counts as active',
    schedule: schedule({ concurrencyPolicy: 'Forbid' }, { lastRunTime: '2026-01-01T00:00:00Z' }),
    runs: [runFor('2026-01-01T00:00:00Z', undefined)],
    now: '2026-01-01T01:00:10Z',
    expected: { create: undefined, events: ['Normal/SkippedForbid'] },
  },
  {
    name: 'Forbid with the previous run finished: creates, and reports the completion',
    schedule: schedule(
      {},
      { lastRunTime: '2026-01-01T00:00:00Z', activeRuns: [runName('2026-01-01T00:00:00Z')] },
    ),
    runs: [runFor('2026-01-01T00:00:00Z', 'Succeeded', { completedAt: at('2026-01-01T00:10:00Z') })],
    now: '2026-01-01T01:00:10Z',
    expected: {
      create: `${runName('2026-01-01T01:00:00Z')}@2026-01-01T01:00:00.000Z`,
      active: [runName('2026-01-01T01:00:00Z')],
      events: ['Normal/SawCompletedRun', 'Normal/CreatedRun'],
    },
    message: /finished at 2026-01-01T00:10:00.000Z: Succeeded$/,
  },
  {
    name: 'Forbid: the skipped tick starts once the active run finishes',
    schedule: schedule({}, { lastRunTime: '2026-01-01T00:00:00Z', nextRunTime: '2026-01-01T02:00:00Z' }),
    runs: [runFor('2026-01-01T00:00:00Z', 'Failed')],
    now: '2026-01-01T01:40:00Z',
    expected: { create: `${runName('2026-01-01T01:00:00Z')}@2026-01-01T01:00:00.000Z` },
  },
  {
    name: 'Replace: deletes the active runs, then creates',
    schedule: schedule({ concurrencyPolicy: 'Replace' }, { lastRunTime: '2026-01-01T00:00:00Z' }),
    runs: [runFor('2026-01-01T00:00:00Z', 'Running')],
    now: '2026-01-01T01:00:10Z',
    expected: {
      create: `${runName('2026-01-01T01:00:00Z')}@2026-01-01T01:00:00.000Z`,
      deletes: [`${runName('2026-01-01T00:00:00Z')}:Replace`],
      active: [runName('2026-01-01T01:00:00Z')],
      events: ['Normal/ReplacedRun', 'Normal/CreatedRun'],
    },
  },
  {
    name: 'Allow: creates alongside the active run',
    schedule: schedule({ concurrencyPolicy: 'Allow' }, { lastRunTime: '2026-01-01T00:00:00Z' }),
    runs: [runFor('2026-01-01T00:00:00Z', 'Running')],
    now: '2026-01-01T01:00:10Z',
    expected: {
      create: `${runName('2026-01-01T01:00:00Z')}@2026-01-01T01:00:00.000Z`,
      deletes: [],
      active: [runName('2026-01-01T00:00:00Z'), runName('2026-01-01T01:00:00Z')],
      events: ['Normal/CreatedRun'],
    },
  },
  {
    name: 'restart after creating a run but before writing status: no duplicate',
    schedule: schedule({}, { lastRunTime: '2026-01-01T00:00:00Z', nextRunTime: '2026-01-01T01:00:00Z' }),
    runs: [runFor('2026-01-01T01:00:00Z', undefined)],
    now: '2026-01-01T01:00:40Z',
    expected: {
      create: undefined,
      events: [],
      active: [runName('2026-01-01T01:00:00Z')],
      lastRunTime: '2026-01-01T01:00:00.000Z',
    },
  },
  {
    name: "the tick's run exists without its scheduled-at annotation: no duplicate",
    schedule: schedule({}, { lastRunTime: '2026-01-01T00:00:00Z' }),
    runs: [
      {
        name: runName('2026-01-01T01:00:00Z'),
        phase: 'Running',
        creationTimestamp: at('2026-01-01T01:00:01Z'),
      },
    ],
    now: '2026-01-01T01:00:40Z',
    expected: { create: undefined, events: [] },
  },
  {
    name: 'a run annotated with a future tick does not hold the schedule back',
    schedule: schedule({}, { lastRunTime: '2026-01-01T00:00:00Z' }),
    runs: [runFor('2026-06-01T00:00:00Z', 'Succeeded')],
    now: '2026-01-01T01:00:40Z',
    expected: { create: `${runName('2026-01-01T01:00:00Z')}@2026-01-01T01:00:00.000Z` },
  },
  {
    name: 'suspended: no run, phase Suspended, next run time still reported',
    schedule: schedule({ suspend: true }, { lastRunTime: '2026-01-01T01:00:00Z' }),
    now: '2026-01-01T05:10:00Z',
    expected: { create: undefined, events: [], phase: 'Suspended', next: '2026-01-01T06:00:00.000Z' },
  },
  {
    name: 'unsuspended: the most recent missed tick starts (as CronJob)',
    schedule: schedule({ suspend: false }, { lastRunTime: '2026-01-01T01:00:00Z', phase: 'Suspended' }),
    now: '2026-01-01T05:10:00Z',
    expected: { create: `${runName('2026-01-01T05:00:00Z')}@2026-01-01T05:00:00.000Z`, phase: 'Active' },
  },
  {
    name: 'invalid schedule: phase Error with a warning, no run',
    schedule: schedule({ schedule: '0 0 31 2 *' }),
    now: '2026-01-01T05:10:00Z',
    expected: {
      create: undefined,
      events: ['Warning/InvalidSchedule'],
      phase: 'Error',
      next: undefined,
      requeueAfterMs: maxRequeueMs,
    },
  },
  {
    name: 'invalid schedule already reported for this generation: silent',
    schedule: schedule({ schedule: '0 0 31 2 *' }, { phase: 'Error' }),
    now: '2026-01-01T05:10:00Z',
    expected: { events: [], phase: 'Error' },
  },
  {
    name: 'invalid time zone: phase Error',
    schedule: schedule({ timeZone: 'Mars/Olympus_Mons' }),
    now: '2026-01-01T05:10:00Z',
    expected: { create: undefined, events: ['Warning/InvalidSchedule'], phase: 'Error' },
    message: /unknown time zone/,
  },
  {
    name: 'six fields are refused even though cron-parser would take them',
    schedule: schedule({ schedule: '0 0 * * * *' }),
    now: '2026-01-01T05:10:00Z',
    expected: { phase: 'Error' },
  },
  {
    name: 'DST spring forward, Europe/Berlin 02:30: runs at 03:30 CEST',
    schedule: schedule(
      { schedule: '30 2 * * *', timeZone: 'Europe/Berlin' },
      { lastRunTime: '2026-03-28T01:30:00Z' },
    ),
    now: '2026-03-29T01:30:10Z',
    expected: {
      create: `${runName('2026-03-29T01:30:00Z')}@2026-03-29T01:30:00.000Z`,
      next: '2026-03-30T00:30:00.000Z',
    },
  },
  {
    name: 'DST spring forward, Europe/Berlin 02:30: once that day',
    schedule: schedule(
      { schedule: '30 2 * * *', timeZone: 'Europe/Berlin' },
      { lastRunTime: '2026-03-29T01:30:00Z' },
    ),
    now: '2026-03-29T21:00:00Z',
    expected: { create: undefined, next: '2026-03-30T00:30:00.000Z' },
  },
  {
    name: 'DST fall back, Europe/Berlin 02:30: runs at the first 02:30 (CEST)',
    schedule: schedule(
      { schedule: '30 2 * * *', timeZone: 'Europe/Berlin' },
      { lastRunTime: '2026-10-24T00:30:00Z' },
    ),
    now: '2026-10-25T00:30:05Z',
    expected: {
      create: `${runName('2026-10-25T00:30:00Z')}@2026-10-25T00:30:00.000Z`,
      next: '2026-10-26T01:30:00.000Z',
    },
  },
  {
    name: 'DST fall back, Europe/Berlin 02:30: not again at the second 02:30 (CET)',
    schedule: schedule(
      { schedule: '30 2 * * *', timeZone: 'Europe/Berlin' },
      { lastRunTime: '2026-10-25T00:30:00Z' },
    ),
    now: '2026-10-25T01:30:05Z',
    expected: { create: undefined, events: [], next: '2026-10-26T01:30:00.000Z' },
  },
  {
    name: '@hourly macro',
    schedule: schedule({ schedule: '@hourly' }, { lastRunTime: '2026-01-01T03:00:00Z' }),
    now: '2026-01-01T04:00:01Z',
    expected: {
      create: `${runName('2026-01-01T04:00:00Z')}@2026-01-01T04:00:00.000Z`,
      next: '2026-01-01T05:00:00.000Z',
    },
  },
  {
    name: 'America/New_York 09:00 after the spring change is 13:00 UTC',
    schedule: schedule(
      { schedule: '0 9 * * *', timeZone: 'America/New_York' },
      { lastRunTime: '2026-03-07T14:00:00Z' },
    ),
    now: '2026-03-08T13:00:30Z',
    expected: {
      create: `${runName('2026-03-08T13:00:00Z')}@2026-03-08T13:00:00.000Z`,
      next: '2026-03-09T13:00:00.000Z',
    },
  },
];

describe('planSchedule', () => {
  for (const c of cases) {
    it(c.name, () => {
      const plan = planSchedule({ schedule: c.schedule, now: at(c.now), runs: c.runs ?? [] });
      assert.deepEqual(pick(summary(plan), c.expected), c.expected);
      if (c.message) assert.match(plan.events[0]?.message ?? '', c.message);
    });
  }

  it('names the run deterministically from the tick and counts it', () => {
    const input = {
      schedule: schedule({}, { lastRunTime: '2026-01-01T00:00:00Z', totalRuns: 4, lastRunName: 'old' }),
      now: at('2026-01-01T01:00:30Z'),
      runs: [],
    };
    const first = planSchedule(input);
    const again = planSchedule({ ...input, now: at('2026-01-01T01:59:00Z') });
    assert.equal(first.createRun?.name, 'nightly-29453820');
    assert.deepEqual(again.createRun, first.createRun);
    assert.equal(first.totalRuns, 5);
    assert.equal(first.lastRunName, 'nightly-29453820');
  });

  it('reports a run seen active before as completed only once', () => {
    const done = runFor('2026-01-01T00:00:00Z', 'Failed');
    const before = schedule({}, { lastRunTime: '2026-01-01T00:00:00Z', activeRuns: [done.name] });
    const plan = planSchedule({ schedule: before, now: at('2026-01-01T00:30:00Z'), runs: [done] });
    assert.deepEqual(summary(plan).events, ['Normal/SawCompletedRun']);
    assert.deepEqual(plan.activeRuns, []);
    const after = schedule({}, { lastRunTime: '2026-01-01T00:00:00Z', activeRuns: plan.activeRuns });
    assert.deepEqual(
      planSchedule({ schedule: after, now: at('2026-01-01T00:40:00Z'), runs: [done] }).events,
      [],
    );
  });
});

describe('planSchedule history limits', () => {
  const hours = (n: number) => `2026-01-01T${String(n).padStart(2, '0')}:00:00Z`;
  const cases: { name: string; spec: Partial<ClawScheduleSpec>; runs: ScheduledRun[]; deletes: string[] }[] =
    [
      {
        name: 'defaults: the newest 3 succeeded and the newest failed run stay',
        spec: {},
        runs: [
          ...[1, 2, 3, 4, 5].map((h) => runFor(hours(h), 'Succeeded')),
          ...[6, 7, 8].map((h) => runFor(hours(h), 'Failed')),
          runFor(hours(9), 'Running'),
        ],
        deletes: [
          `${runName(hours(1))}:HistoryLimit`,
          `${runName(hours(2))}:HistoryLimit`,
          `${runName(hours(6))}:HistoryLimit`,
          `${runName(hours(7))}:HistoryLimit`,
        ],
      },
      {
        name: 'limits of 0 delete every finished run, never an active one',
        spec: { successfulRunsHistoryLimit: 0, failedRunsHistoryLimit: 0 },
        runs: [runFor(hours(1), 'Succeeded'), runFor(hours(2), 'Failed'), runFor(hours(3), 'Pending')],
        deletes: [`${runName(hours(1))}:HistoryLimit`, `${runName(hours(2))}:HistoryLimit`],
      },
      {
        name: 'within the limits nothing goes',
        spec: { successfulRunsHistoryLimit: 5 },
        runs: [runFor(hours(1), 'Succeeded'), runFor(hours(2), 'Succeeded'), runFor(hours(3), 'Failed')],
        deletes: [],
      },
      {
        name: 'ordered by tick, then by creation; a run without tick is placed by its creation',
        spec: { successfulRunsHistoryLimit: 2 },
        runs: [
          {
            name: 'same-tick-created-later',
            phase: 'Succeeded',
            scheduledAt: at(hours(5)),
            creationTimestamp: at(hours(7)),
          },
          {
            name: 'same-tick-created-first',
            phase: 'Succeeded',
            scheduledAt: at(hours(5)),
            creationTimestamp: at(hours(6)),
          },
          { name: 'no-tick-newest', phase: 'Succeeded', creationTimestamp: at(hours(8)) },
          { name: 'oldest', phase: 'Succeeded', scheduledAt: at(hours(1)), creationTimestamp: at(hours(1)) },
        ],
        deletes: ['oldest:HistoryLimit', 'same-tick-created-first:HistoryLimit'],
      },
    ];
  for (const c of cases) {
    it(c.name, () => {
      const plan = planSchedule({
        schedule: schedule(c.spec, { lastRunTime: hours(9) }),
        now: at('2026-01-01T09:30:00Z'),
        runs: c.runs,
      });
      assert.deepEqual(summary(plan).deletes, c.deletes);
    });
  }

  it('applies while suspended and while the schedule is invalid', () => {
    const runs = [runFor(hours(1), 'Failed'), runFor(hours(2), 'Failed')];
    for (const spec of [{ suspend: true }, { schedule: 'not a schedule' }]) {
      const plan = planSchedule({ schedule: schedule(spec), now: at('2026-01-01T09:30:00Z'), runs });
      assert.deepEqual(summary(plan).deletes, [`${runName(hours(1))}:HistoryLimit`]);
    }
  });
});

describe('planSchedule requeueAfterMs', () => {
  const cases = [
    {
      name: 'a tick 200 ms away waits the minimum',
      schedule: '* * * * *',
      now: '2026-01-01T00:00:59.800Z',
      ms: minRequeueMs,
    },
    {
      name: 'a tick 3 minutes away waits until it',
      schedule: '*/5 * * * *',
      now: '2026-01-01T00:02:00Z',
      ms: 180_000,
    },
    {
      name: 'a tick 9m59s away waits until it',
      schedule: '*/10 * * * *',
      now: '2026-01-01T00:00:01Z',
      ms: 599_000,
    },
    {
      name: 'a tick a day away waits the maximum',
      schedule: '0 9 * * *',
      now: '2026-01-01T09:00:01Z',
      ms: maxRequeueMs,
    },
    {
      name: 'suspended, it still follows the next tick',
      schedule: '*/5 * * * *',
      now: '2026-01-01T00:04:00Z',
      ms: 60_000,
      suspend: true,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const plan = planSchedule({
        schedule: schedule(
          { schedule: c.schedule, suspend: c.suspend ?? false },
          { lastRunTime: '2026-01-01T00:00:00Z' },
        ),
        now: at(c.now),
        runs: [],
      });
      assert.equal(plan.requeueAfterMs, c.ms);
      assert.ok(plan.requeueAfterMs >= minRequeueMs && plan.requeueAfterMs <= maxRequeueMs);
    });
  }
});

describe('planSchedule over time (observe, plan, apply, repeat)', () => {
  /** Reconciles every `stepMs` from `from` to `to`, applying each plan as the reconciler would. */
  function simulate(
    spec: Partial<ClawScheduleSpec>,
    from: string,
    to: string,
    stepMs: number,
    runMs: number,
  ) {
    const base = schedule(spec);
    let current: ClawSchedule = { ...base, metadata: { ...base.metadata, creationTimestamp: from } };
    let runs: ScheduledRun[] = [];
    const created: string[] = [];
    const events: string[] = [];
    for (let t = at(from).getTime(); t <= at(to).getTime(); t += stepMs) {
      const now = new Date(t);
      // runs finish runMs after their tick
      runs = runs.map((r) =>
        r.phase === 'Running' && r.scheduledAt && t - r.scheduledAt.getTime() >= runMs
          ? { ...r, phase: 'Succeeded' as const }
          : r,
      );
      const plan = planSchedule({ schedule: current, now, runs });
      const deleted = new Set(plan.deleteRuns.map((d) => d.name));
      runs = runs.filter((r) => !deleted.has(r.name));
      if (plan.createRun) {
        created.push(plan.createRun.scheduledAt.toISOString());
        runs.push({ ...plan.createRun, phase: 'Running', creationTimestamp: now });
      }
      events.push(...plan.events.map((e) => `${now.toISOString()} ${e.reason}`));
      current = {
        ...current,
        status: {
          observedGeneration: 1,
          phase: plan.phase,
          ...(plan.lastRunTime ? { lastRunTime: plan.lastRunTime.toISOString() } : {}),
          ...(plan.nextRunTime ? { nextRunTime: plan.nextRunTime.toISOString() } : {}),
          activeRuns: plan.activeRuns,
          totalRuns: plan.totalRuns,
        },
      };
    }
    return { created, events, runs };
  }

  it('hourly, reconciled every 7 minutes: each tick once, history kept at 3', () => {
    const { created, runs } = simulate(
      {},
      '2026-01-01T00:00:00Z',
      '2026-01-01T06:05:00Z',
      7 * 60_000,
      20 * 60_000,
    );
    assert.equal(created.length, 6);
    assert.equal(new Set(created).size, 6);
    assert.ok(runs.filter((r) => r.phase === 'Succeeded').length <= 3);
  });

  it('Forbid with runs longer than the interval: SkippedForbid once per skipped tick', () => {
    const { created, events } = simulate(
      { startingDeadlineSeconds: 600 },
      '2026-01-01T00:00:00Z',
      '2026-01-01T06:00:00Z',
      5 * 60_000,
      90 * 60_000,
    );
    assert.deepEqual(created, [
      '2026-01-01T01:00:00.000Z',
      '2026-01-01T03:00:00.000Z',
      '2026-01-01T05:00:00.000Z',
    ]);
    const skipped = events.filter((e) => e.endsWith('SkippedForbid'));
    assert.deepEqual(skipped, [
      '2026-01-01T02:00:00.000Z SkippedForbid',
      '2026-01-01T04:00:00.000Z SkippedForbid',
      '2026-01-01T06:00:00.000Z SkippedForbid',
    ]);
    // each skipped tick is counted as missed when the next run starts
    assert.equal(events.filter((e) => e.endsWith('MissedSchedule')).length, 2);
  });

  for (const [name, from, to, expected] of [
    [
      'Europe/Berlin 02:30 daily across spring forward, reconciled every 5 minutes: once a day',
      '2026-03-27T12:00:00Z',
      '2026-03-31T12:00:00Z',
      [
        '2026-03-28T01:30:00.000Z',
        '2026-03-29T01:30:00.000Z',
        '2026-03-30T00:30:00.000Z',
        '2026-03-31T00:30:00.000Z',
      ],
    ],
    [
      'Europe/Berlin 02:30 daily across fall back, reconciled every 5 minutes: once a day',
      '2026-10-23T12:00:00Z',
      '2026-10-27T12:00:00Z',
      [
        '2026-10-24T00:30:00.000Z',
        '2026-10-25T00:30:00.000Z',
        '2026-10-26T01:30:00.000Z',
        '2026-10-27T01:30:00.000Z',
      ],
    ],
  ] as const) {
    it(name, () => {
      const spec = { schedule: '30 2 * * *', timeZone: 'Europe/Berlin' };
      const { created } = simulate(spec, from, to, 5 * 60_000, 10 * 60_000);
      assert.deepEqual(created, expected);
    });
  }
});
