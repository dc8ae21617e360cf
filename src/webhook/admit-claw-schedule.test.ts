import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ClawSchedule } from '../api/index.ts';
import { admitClawSchedule } from './admit-claw-schedule.ts';

function schedule(spec: Partial<ClawSchedule['spec']>): ClawSchedule {
  return {
    apiVersion: 'k8sclaw.io/v1alpha1',
    kind: 'ClawSchedule',
    metadata: { name: 'nightly', namespace: 'team-a' },
    spec: { instanceRef: 'alice', schedule: '0 3 * * *', task: 'Sweep.', ...spec },
  };
}

const cases: { name: string; spec: Partial<ClawSchedule['spec']>; refused?: RegExp }[] = [
  { name: 'a daily schedule in UTC', spec: {} },
  { name: 'an IANA zone', spec: { timeZone: 'Europe/Berlin' } },
  { name: 'a macro', spec: { schedule: '@hourly', timeZone: 'America/New_York' } },
  {
    name: 'a zone not on Earth',
    spec: { timeZone: 'Mars/Olympus_Mons' },
    refused:
      /^ClawSchedule nightly is refused: spec\.timeZone has an unknown time zone "Mars\/Olympus_Mons" \(use an IANA name such as Europe\/Berlin\)\.$/,
  },
  {
    name: 'a date that never comes',
    spec: { schedule: '0 0 30 2 *' },
    refused: /^ClawSchedule nightly is refused: spec\.schedule "0 0 30 2 \*" is not a valid schedule: /,
  },
  {
    name: 'too few fields',
    spec: { schedule: '0 3 * *' },
    refused: /spec\.schedule "0 3 \* \*" is not a valid schedule: must have 5 fields/,
  },
  {
    name: 'an hour out of range',
    spec: { schedule: '0 25 * * *' },
    refused: /spec\.schedule "0 25 \* \* \*" is not a valid schedule/,
  },
];

describe('admitClawSchedule', () => {
  for (const c of cases) {
    it(c.name, () => {
      const verdict = admitClawSchedule(schedule(c.spec));
      if (c.refused) {
        assert.equal(verdict.allowed, false);
        assert.match(verdict.allowed ? '' : verdict.message, c.refused);
      } else {
        assert.deepEqual(verdict, { allowed: true });
      }
    });
  }
});
