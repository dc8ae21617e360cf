import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { K8sClawError } from '../../api/index.ts';
import { buildScheduledRunName } from './run-name.ts';

describe('buildScheduledRunName', () => {
  const cases = [
    {
      name: 'minutes since the Unix epoch',
      schedule: 'nightly',
      tick: '2026-01-01T00:00:00Z',
      runName: 'nightly-29453760',
    },
    {
      name: 'seconds within the minute do not change it',
      schedule: 'nightly',
      tick: '2026-01-01T00:00:59.999Z',
      runName: 'nightly-29453760',
    },
    {
      name: 'the next minute is another run',
      schedule: 'nightly',
      tick: '2026-01-01T00:01:00Z',
      runName: 'nightly-29453761',
    },
    { name: 'the epoch itself', schedule: 'a', tick: '1970-01-01T00:00:00Z', runName: 'a-0' },
  ];
  for (const c of cases) {
    it(c.name, () => assert.equal(buildScheduledRunName(c.schedule, new Date(c.tick)), c.runName));
  }

  it('is deterministic: the same tick always gives the same name (restart safety)', () => {
    const tick = new Date('2026-05-17T09:30:00Z');
    assert.equal(buildScheduledRunName('s', tick), buildScheduledRunName('s', new Date(tick.getTime())));
  });

  it('fits 63 characters for a 52-character schedule name until the year 20000', () => {
    const name = buildScheduledRunName('s'.repeat(52), new Date('+020000-01-01T00:00:00Z'));
    assert.equal(name.length, 63);
  });

  it('refuses a name longer than 63 characters', () => {
    assert.throws(
      () => buildScheduledRunName('s'.repeat(53), new Date('+020000-01-01T00:00:00Z')),
      (error) => error instanceof K8sClawError && error.code === 'ScheduledRunNameTooLong',
    );
  });

  it('refuses ticks before the epoch and invalid dates', () => {
    for (const tick of [new Date('1969-12-31T23:59:00Z'), new Date(Number.NaN)]) {
      assert.throws(
        () => buildScheduledRunName('s', tick),
        (error) => error instanceof K8sClawError && error.code === 'InvalidScheduledTick',
      );
    }
  });
});
