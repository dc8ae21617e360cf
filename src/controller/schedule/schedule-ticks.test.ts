import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { maxMissedTicks, mostRecentMissedTick, nextTickAfter, type TickSpec } from './schedule-ticks.ts';

const at = (iso: string) => new Date(iso);
const iso = (date: Date | undefined) => date?.toISOString();
const minute = 60_000;

/** Every tick in [from, to), walked one tick at a time from well before the window. */
function ticksBetween(spec: TickSpec, from: Date, to: Date): string[] {
  const ticks: string[] = [];
  for (
    let tick = nextTickAfter(spec, new Date(from.getTime() - 1));
    tick < to;
    tick = nextTickAfter(spec, tick)
  ) {
    ticks.push(tick.toISOString());
  }
  return ticks;
}

describe('nextTickAfter', () => {
  const cases: { name: string; spec: TickSpec; after: string; next: string }[] = [
    {
      name: 'UTC by default',
      spec: { schedule: '0 9 * * *' },
      after: '2026-01-01T08:00:00Z',
      next: '2026-01-01T09:00:00.000Z',
    },
    {
      name: 'strictly after a tick',
      spec: { schedule: '0 9 * * *' },
      after: '2026-01-01T09:00:00Z',
      next: '2026-01-02T09:00:00.000Z',
    },
    {
      name: '@hourly macro',
      spec: { schedule: '@hourly' },
      after: '2026-01-01T09:00:00.001Z',
      next: '2026-01-01T10:00:00.000Z',
    },
    {
      name: 'surrounding spaces are ignored',
      spec: { schedule: ' */5 * * * * ' },
      after: '2026-01-01T09:01:00Z',
      next: '2026-01-01T09:05:00.000Z',
    },
    {
      name: 'America/New_York in winter (UTC-5)',
      spec: { schedule: '0 9 * * *', timeZone: 'America/New_York' },
      after: '2026-03-07T00:00:00Z',
      next: '2026-03-07T14:00:00.000Z',
    },
    {
      name: 'America/New_York in summer (UTC-4)',
      spec: { schedule: '0 9 * * *', timeZone: 'America/New_York' },
      after: '2026-03-08T14:00:00Z',
      next: '2026-03-09T13:00:00.000Z',
    },
    {
      name: 'Berlin spring forward: 02:30 does not exist and fires at 03:30 CEST',
      spec: { schedule: '30 2 * * *', timeZone: 'Europe/Berlin' },
      after: '2026-03-28T12:00:00Z',
      next: '2026-03-29T01:30:00.000Z',
    },
    {
      name: 'Berlin spring forward, asked from just after the gap: the shifted tick is still next',
      spec: { schedule: '30 2 * * *', timeZone: 'Europe/Berlin' },
      after: '2026-03-29T01:10:00Z',
      next: '2026-03-29T01:30:00.000Z',
    },
    {
      name: 'Berlin fall back: 02:30 fires at its first occurrence (CEST)',
      spec: { schedule: '30 2 * * *', timeZone: 'Europe/Berlin' },
      after: '2026-10-24T12:00:00Z',
      next: '2026-10-25T00:30:00.000Z',
    },
    {
      name: 'Berlin fall back, asked from inside the repeated hour: 02:30 CET does not fire again',
      spec: { schedule: '30 2 * * *', timeZone: 'Europe/Berlin' },
      after: '2026-10-25T01:00:00Z',
      next: '2026-10-26T01:30:00.000Z',
    },
  ];
  for (const c of cases) {
    it(c.name, () => assert.equal(iso(nextTickAfter(c.spec, at(c.after))), c.next));
  }

  it('throws on an expression cron-parser rejects (callers validate first)', () => {
    assert.throws(() => nextTickAfter({ schedule: '0 0 31 2 *' }, at('2026-01-01T00:00:00Z')));
  });
});

describe('ticks across daylight saving transitions', () => {
  const berlin = (schedule: string): TickSpec => ({ schedule, timeZone: 'Europe/Berlin' });
  const cases: { name: string; spec: TickSpec; from: string; to: string; ticks: string[] }[] = [
    {
      name: 'Berlin spring forward, daily 02:30: once, at 03:30 CEST',
      spec: berlin('30 2 * * *'),
      from: '2026-03-28T00:00:00Z',
      to: '2026-03-31T00:00:00Z',
      ticks: ['2026-03-28T01:30:00.000Z', '2026-03-29T01:30:00.000Z', '2026-03-30T00:30:00.000Z'],
    },
    {
      name: 'Berlin fall back, daily 02:30: once, at 02:30 CEST',
      spec: berlin('30 2 * * *'),
      from: '2026-10-24T00:00:00Z',
      to: '2026-10-27T00:00:00Z',
      ticks: ['2026-10-24T00:30:00.000Z', '2026-10-25T00:30:00.000Z', '2026-10-26T01:30:00.000Z'],
    },
    {
      name: 'Berlin spring forward, 01:30-03:30 half-hourly: the missing 02:xx merge into 03:xx',
      spec: berlin('0,30 1-3 * * *'),
      from: '2026-03-28T23:00:00Z',
      to: '2026-03-29T03:00:00Z',
      ticks: [
        '2026-03-29T00:00:00.000Z',
        '2026-03-29T00:30:00.000Z',
        '2026-03-29T01:00:00.000Z',
        '2026-03-29T01:30:00.000Z',
      ],
    },
    {
      name: 'Berlin fall back, 01:00-03:30 half-hourly: the repeated 02:xx fire once',
      spec: berlin('0,30 1-3 * * *'),
      from: '2026-10-24T22:00:00Z',
      to: '2026-10-25T03:00:00Z',
      ticks: [
        '2026-10-24T23:00:00.000Z',
        '2026-10-24T23:30:00.000Z',
        '2026-10-25T00:00:00.000Z',
        '2026-10-25T00:30:00.000Z',
        '2026-10-25T02:00:00.000Z',
        '2026-10-25T02:30:00.000Z',
      ],
    },
    {
      name: 'Berlin fall back, hourly: every real hour, both 02:00 included',
      spec: berlin('0 * * * *'),
      from: '2026-10-24T23:00:00Z',
      to: '2026-10-25T03:00:00Z',
      ticks: [
        '2026-10-24T23:00:00.000Z',
        '2026-10-25T00:00:00.000Z',
        '2026-10-25T01:00:00.000Z',
        '2026-10-25T02:00:00.000Z',
      ],
    },
    {
      name: 'Berlin spring forward, hourly: every real hour',
      spec: berlin('@hourly'),
      from: '2026-03-28T23:00:00Z',
      to: '2026-03-29T03:00:00Z',
      ticks: [
        '2026-03-28T23:00:00.000Z',
        '2026-03-29T00:00:00.000Z',
        '2026-03-29T01:00:00.000Z',
        '2026-03-29T02:00:00.000Z',
      ],
    },
    {
      name: 'New York fall back, daily 01:30: once, at 01:30 EDT',
      spec: { schedule: '30 1 * * *', timeZone: 'America/New_York' },
      from: '2026-10-31T12:00:00Z',
      to: '2026-11-02T12:00:00Z',
      ticks: ['2026-11-01T05:30:00.000Z', '2026-11-02T06:30:00.000Z'],
    },
    {
      name: 'New York spring forward, daily 02:30: once, at 03:30 EDT',
      spec: { schedule: '30 2 * * *', timeZone: 'America/New_York' },
      from: '2026-03-07T12:00:00Z',
      to: '2026-03-09T12:00:00Z',
      ticks: ['2026-03-08T07:30:00.000Z', '2026-03-09T06:30:00.000Z'],
    },
  ];
  for (const c of cases) {
    it(c.name, () => assert.deepEqual(ticksBetween(c.spec, at(c.from), at(c.to)), c.ticks));
  }

  // the property the look-back buys: the next tick does not depend on where the question starts
  const sweeps: { zone: string; day: string }[] = [
    { zone: 'Europe/Berlin', day: '2026-03-29T00:00:00Z' },
    { zone: 'Europe/Berlin', day: '2026-10-25T00:00:00Z' },
    { zone: 'America/New_York', day: '2026-03-08T04:00:00Z' },
    { zone: 'America/New_York', day: '2026-11-01T04:00:00Z' },
  ];
  for (const { zone, day } of sweeps) {
    it(`${zone} ${day.slice(0, 10)}: asked every 5 minutes, the answers follow one tick sequence`, () => {
      for (const schedule of ['30 2 * * *', '*/15 1-2 * * *', '30 1-3 * * *', '0 * * * *']) {
        const spec = { schedule, timeZone: zone };
        const start = at(day);
        const sequence = ticksBetween(
          spec,
          new Date(start.getTime() - 86_400_000),
          new Date(start.getTime() + 2 * 86_400_000),
        );
        for (let t = start.getTime(); t < start.getTime() + 86_400_000; t += 5 * minute) {
          const expected = sequence.find((tick) => Date.parse(tick) > t);
          assert.equal(
            iso(nextTickAfter(spec, new Date(t))),
            expected,
            `${schedule} after ${new Date(t).toISOString()}`,
          );
        }
      }
    });
  }
});

describe('mostRecentMissedTick', () => {
  const hourly: TickSpec = { schedule: '0 * * * *' };
  const cases: {
    name: string;
    spec: TickSpec;
    earliest: string;
    now: string;
    tick?: string;
    missedCount: number;
  }[] = [
    {
      name: 'no tick yet',
      spec: hourly,
      earliest: '2026-01-01T00:10:00Z',
      now: '2026-01-01T00:59:59Z',
      missedCount: 0,
    },
    {
      name: 'a tick exactly now counts',
      spec: hourly,
      earliest: '2026-01-01T00:10:00Z',
      now: '2026-01-01T01:00:00Z',
      tick: '2026-01-01T01:00:00.000Z',
      missedCount: 1,
    },
    {
      name: 'the earliest instant itself is not missed',
      spec: hourly,
      earliest: '2026-01-01T01:00:00Z',
      now: '2026-01-01T01:30:00Z',
      missedCount: 0,
    },
    {
      name: 'several missed: the latest one and the count',
      spec: hourly,
      earliest: '2026-01-01T01:00:00Z',
      now: '2026-01-01T05:10:00Z',
      tick: '2026-01-01T05:00:00.000Z',
      missedCount: 4,
    },
    {
      name: 'now before earliest (clock skew): nothing',
      spec: hourly,
      earliest: '2026-01-01T05:00:00Z',
      now: '2026-01-01T03:00:00Z',
      missedCount: 0,
    },
    {
      name: 'exactly the cap is not over it',
      spec: { schedule: '* * * * *' },
      earliest: '2026-01-01T00:00:00Z',
      now: '2026-01-01T01:40:00Z',
      tick: '2026-01-01T01:40:00.000Z',
      missedCount: 100,
    },
    {
      name: 'over the cap: the count stops at 101, the tick is still the latest',
      spec: { schedule: '* * * * *' },
      earliest: '2026-01-01T00:00:00Z',
      now: '2026-01-08T12:34:56Z',
      tick: '2026-01-08T12:34:00.000Z',
      missedCount: maxMissedTicks + 1,
    },
    {
      name: 'over the cap across spring forward: the shifted 03:30 CEST tick',
      spec: { schedule: '30 2 * * *', timeZone: 'Europe/Berlin' },
      earliest: '2025-01-01T00:00:00Z',
      now: '2026-03-29T02:00:00Z',
      tick: '2026-03-29T01:30:00.000Z',
      missedCount: maxMissedTicks + 1,
    },
    {
      name: 'over the cap inside the repeated hour: the first 02:30, not the second',
      spec: { schedule: '30 2 * * *', timeZone: 'Europe/Berlin' },
      earliest: '2025-01-01T00:00:00Z',
      now: '2026-10-25T01:45:00Z',
      tick: '2026-10-25T00:30:00.000Z',
      missedCount: maxMissedTicks + 1,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const missed = mostRecentMissedTick(c.spec, { earliest: at(c.earliest), now: at(c.now) });
      assert.deepEqual(
        { tick: iso(missed.tick), missedCount: missed.missedCount },
        { tick: c.tick, missedCount: c.missedCount },
      );
    });
  }

  it('the jump over many missed ticks agrees with walking them, around both Berlin transitions', () => {
    for (const day of ['2026-03-29T00:00:00Z', '2026-10-25T00:00:00Z']) {
      for (const schedule of ['30 2 * * *', '*/30 1-3 * * *']) {
        const spec = { schedule, timeZone: 'Europe/Berlin' };
        const start = at(day);
        const sequence = ticksBetween(
          spec,
          new Date(start.getTime() - 86_400_000),
          new Date(start.getTime() + 86_400_000),
        );
        for (let t = start.getTime(); t < start.getTime() + 6 * 3_600_000; t += 10 * minute) {
          const expected = sequence.filter((tick) => Date.parse(tick) <= t).at(-1);
          const missed = mostRecentMissedTick(spec, {
            earliest: at('2025-06-01T00:00:00Z'),
            now: new Date(t),
          });
          assert.equal(missed.missedCount, maxMissedTicks + 1);
          assert.equal(iso(missed.tick), expected, `${schedule} at ${new Date(t).toISOString()}`);
        }
      }
    }
  });

  it('steps past a tick cron-parser cannot compute (Lord Howe half-hour fall back) instead of stalling', () => {
    const spec = { schedule: '0 2 * * *', timeZone: 'Australia/Lord_Howe' };
    const missed = mostRecentMissedTick(spec, {
      earliest: at('2026-04-04T15:00:00Z'),
      now: at('2026-04-07T00:00:00Z'),
    });
    assert.equal(iso(missed.tick), '2026-04-06T15:30:00.000Z');
  });
});
