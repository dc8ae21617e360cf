import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  allChannelReceiptFilter,
  buildChannelReceiptMessageId,
  buildChannelReceiptSubject,
  parseChannelSubject,
} from './channel-subjects.ts';

describe('channel receipt subjects', () => {
  const identity = { namespace: 'team-a', instance: 'alice.v1', channel: 'slack' as const };

  it('scope receipts to one namespace, instance and channel, within the API server filter', () => {
    const subject = buildChannelReceiptSubject(identity);
    assert.equal(subject, 'k8sclaw.channels.receipts.team-a.alice_v1.slack');
    assert.equal(allChannelReceiptFilter, 'k8sclaw.channels.receipts.*.*.*');
    assert.deepEqual(parseChannelSubject(subject), { direction: 'receipts', ...identity });
  });

  it('parse only the three directions', () => {
    assert.equal(parseChannelSubject('k8sclaw.channels.in.team-a.alice.slack')?.direction, 'in');
    assert.equal(parseChannelSubject('k8sclaw.channels.out.team-a.alice.slack')?.direction, 'out');
    assert.equal(parseChannelSubject('k8sclaw.channels.other.team-a.alice.slack'), undefined);
  });

  it('store one receipt per reply', () => {
    assert.equal(buildChannelReceiptMessageId('run-uid-1'), 'run-uid-1:receipt');
  });
});
