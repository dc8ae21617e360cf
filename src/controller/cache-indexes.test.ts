import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { labels } from '../api/index.ts';
import { byInstance, byInstanceUnfinished, isJobFinished, jobIndexes } from './cache-indexes.ts';

const job = (conditions: { type: string; status: string }[]) => ({
  metadata: { name: 'j', labels: { [labels.instance]: 'i' } },
  status: { conditions },
});

describe('cache indexes of Jobs', () => {
  it('index a Job by its instance, and by its instance only while it is unfinished', () => {
    const running = job([]);
    const complete = job([{ type: 'Complete', status: 'True' }]);
    const failed = job([{ type: 'Failed', status: 'True' }]);
    const notYet = job([{ type: 'Failed', status: 'False' }]);
    for (const j of [running, complete, failed, notYet]) assert.equal(jobIndexes[byInstance]?.(j), 'i');
    assert.equal(jobIndexes[byInstanceUnfinished]?.(running), 'i');
    assert.equal(jobIndexes[byInstanceUnfinished]?.(notYet), 'i');
    assert.equal(jobIndexes[byInstanceUnfinished]?.(complete), undefined);
    assert.equal(jobIndexes[byInstanceUnfinished]?.(failed), undefined);
    assert.equal(isJobFinished(complete), true);
    assert.equal(isJobFinished(notYet), false);
  });
});
