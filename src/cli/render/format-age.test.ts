import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatAge, formatDuration, formatUntil } from './format-age.ts';

const s = 1000;
const m = 60 * s;
const h = 60 * m;
const d = 24 * h;

describe('formatDuration: kubectl short ages', () => {
  const cases: [number, string][] = [
    [-5 * s, '<invalid>'],
    [-500, '0s'],
    [0, '0s'],
    [59 * s, '59s'],
    [119 * s, '119s'],
    [2 * m, '2m'],
    [5 * m + 12 * s, '5m12s'],
    [10 * m + 30 * s, '10m'],
    [179 * m, '179m'],
    [3 * h, '3h'],
    [7 * h + 30 * m, '7h30m'],
    [47 * h, '47h'],
    [2 * d, '2d'],
    [3 * d + 5 * h, '3d5h'],
    [8 * d + 5 * h, '8d'],
    [729 * d, '729d'],
    [2 * 365 * d + 20 * d, '2y20d'],
    [9 * 365 * d, '9y'],
  ];
  for (const [ms, expected] of cases)
    it(`${ms} ms → ${expected}`, () => assert.equal(formatDuration(ms), expected));
});

describe('formatAge and formatUntil', () => {
  const now = new Date('2026-11-30T10:00:00Z');
  it('measures from the injected clock', () => assert.equal(formatAge('2026-11-30T09:55:00Z', now), '5m'));
  it('has no age without a timestamp', () => assert.equal(formatAge(undefined, now), '<unknown>'));
  it('says when a future time comes', () => assert.equal(formatUntil('2026-11-30T10:04:00Z', now), 'in 4m'));
  it('says how long ago a past time was', () =>
    assert.equal(formatUntil('2026-11-30T09:59:30Z', now), '30s ago'));
  it('shows <none> when there is no time', () => assert.equal(formatUntil(undefined, now), '<none>'));
});
