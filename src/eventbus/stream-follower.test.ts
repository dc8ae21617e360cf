import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { planFollowStart } from './stream-follower.ts';

describe('where a follow starts', () => {
  it('at the first message of its subjects, the first time', () => {
    assert.deepEqual(planFollowStart('k8sclaw.runs.ns.claw.r.>', 0), {
      filter_subjects: 'k8sclaw.runs.ns.claw.r.>',
      deliver_policy: 'all',
    });
  });

  it('just after the last message handed out, when it starts again', () => {
    assert.deepEqual(planFollowStart('k8sclaw.runs.ns.claw.r.>', 41), {
      filter_subjects: 'k8sclaw.runs.ns.claw.r.>',
      deliver_policy: 'by_start_sequence',
      opt_start_seq: 42,
    });
  });
});
