import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Backoff } from './backoff.ts';

describe('Backoff', () => {
  it('grows under persistent failure up to the maximum, and resets only when told', () => {
    const backoff = new Backoff({ baseMs: 800, maxMs: 30_000 });
    assert.deepEqual(
      Array.from({ length: 8 }, () => backoff.next()),
      [800, 1_600, 3_200, 6_400, 12_800, 25_600, 30_000, 30_000],
    );
    assert.equal(backoff.consecutiveFailures, 8);
    backoff.reset();
    assert.equal(backoff.next(), 800);
  });

  it('adds up to `jitter` times the step at random', () => {
    const backoff = new Backoff({ baseMs: 1_000, maxMs: 4_000, jitter: 0.5, random: () => 1 });
    assert.deepEqual(
      [backoff.next(), backoff.next(), backoff.next(), backoff.next()],
      [1_500, 3_000, 6_000, 6_000],
    );
  });
});
