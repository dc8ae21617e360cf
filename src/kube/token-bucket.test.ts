import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TokenBucket } from './token-bucket.ts';

describe('TokenBucket', () => {
  it('grants a burst at once, then spaces reservations at the refill rate', () => {
    const bucket = new TokenBucket({ perSecond: 10, burst: 3 });
    assert.deepEqual(
      [1, 2, 3, 4, 5, 6].map(() => bucket.reserve(0)),
      [0, 0, 0, 100, 200, 300],
    );
  });

  it('refills over time, never beyond the burst', () => {
    const bucket = new TokenBucket({ perSecond: 10, burst: 2 });
    bucket.reserve(0);
    bucket.reserve(0);
    assert.equal(bucket.reserve(0), 100, 'empty');
    assert.equal(bucket.reserve(50), 150, 'half a token refilled, one and a half owed');
    assert.equal(bucket.reserve(400), 0, 'the debt is paid back at 10 per second');
    // an hour later the bucket holds only `burst` tokens
    assert.deepEqual(
      [1, 2, 3].map(() => bucket.reserve(3_600_000)),
      [0, 0, 100],
    );
  });

  it('rejects a bucket that could never grant a token', () => {
    assert.throws(() => new TokenBucket({ perSecond: 0, burst: 1 }), RangeError);
    assert.throws(() => new TokenBucket({ perSecond: 1, burst: 0 }), RangeError);
  });
});
