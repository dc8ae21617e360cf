import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { changesMoreThanStatus } from './event-filters.ts';

const policy = (metadata: object, status: object = {}) => ({
  metadata: { name: 'p', namespace: 'ns', generation: 1, resourceVersion: '1', ...metadata },
  spec: { featureGates: {} },
  status,
});

describe('changesMoreThanStatus', () => {
  it('ignores an update of status alone (and of the resourceVersion it brings)', () => {
    assert.equal(
      changesMoreThanStatus(policy({}), policy({ resourceVersion: '2' }, { boundInstances: 3 })),
      false,
    );
  });

  const changes: [string, object][] = [
    ['the spec (generation)', { generation: 2 }],
    ['labels', { labels: { team: 'a' } }],
    ['annotations', { annotations: { 'k8sclaw.io/cancelled-by': 'alice' } }],
    ['finalizers', { finalizers: ['k8sclaw.io/instance-cleanup'] }],
    ['deletion', { deletionTimestamp: '2026-11-30T10:00:00Z' }],
    ['owner references', { ownerReferences: [{ uid: 'u' }] }],
  ];
  for (const [what, metadata] of changes) {
    it(`passes an update of ${what}`, () => {
      assert.equal(changesMoreThanStatus(policy({}), policy(metadata)), true);
    });
  }

  it('passes anything without a previous object (add, delete, resync)', () => {
    assert.equal(changesMoreThanStatus(undefined, policy({})), true);
  });
});
