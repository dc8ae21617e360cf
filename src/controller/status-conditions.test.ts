import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isSameJson, setCondition } from './status-conditions.ts';

const t0 = new Date('2026-01-01T00:00:00Z');
const t1 = new Date('2026-01-01T01:00:00Z');

describe('setCondition', () => {
  it('adds a condition with the current time', () => {
    const [c] = setCondition(
      undefined,
      { type: 'Ready', status: 'True', reason: 'Reconciled', message: '' },
      t0,
      3,
    );
    assert.deepEqual(c, {
      type: 'Ready',
      status: 'True',
      reason: 'Reconciled',
      message: '',
      lastTransitionTime: t0.toISOString(),
      observedGeneration: 3,
    });
  });

  it('keeps the transition time while the status stays the same', () => {
    const first = setCondition(undefined, { type: 'Ready', status: 'False', reason: 'A', message: 'a' }, t0);
    const second = setCondition(first, { type: 'Ready', status: 'False', reason: 'B', message: 'b' }, t1);
    assert.equal(second[0]?.lastTransitionTime, t0.toISOString());
    assert.equal(second[0]?.reason, 'B');
  });

  it('moves the transition time when the status flips, and keeps other conditions', () => {
    const first = setCondition(
      setCondition(undefined, { type: 'Ready', status: 'False', reason: 'A', message: '' }, t0),
      { type: 'Completed', status: 'False', reason: 'A', message: '' },
      t0,
    );
    const second = setCondition(first, { type: 'Ready', status: 'True', reason: 'B', message: '' }, t1);
    assert.deepEqual(
      second.map((c) => [c.type, c.lastTransitionTime]),
      [
        ['Completed', t0.toISOString()],
        ['Ready', t1.toISOString()],
      ],
    );
  });
});

describe('isSameJson', () => {
  it('ignores key order and undefined keys', () => {
    assert.ok(isSameJson({ a: 1, b: [1, { c: 2 }] }, { b: [1, { c: 2 }], a: 1, d: undefined }));
    assert.ok(!isSameJson({ a: 1 }, { a: 2 }));
    assert.ok(!isSameJson([1, 2], [2, 1]));
    assert.ok(!isSameJson({ a: [] }, { a: {} }));
  });
});
