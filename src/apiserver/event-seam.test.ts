import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RunEvent } from '../api/index.ts';
import { EventSeam } from './event-seam.ts';

const event = (runUid: string, seq: number): RunEvent => ({
  id: `e${seq}`,
  seq,
  time: new Date(Date.UTC(2026, 0, 1, 0, 0, seq)).toISOString(),
  identity: { namespace: 'ns', instance: 'claw', run: 'r', runUid },
  body: { type: 'chunk', text: `part ${seq}` },
});

describe('event seam', () => {
  it('hands out the stored events, then only what the bus adds, each once and in order', () => {
    const seam = new EventSeam();
    const stored = [1, 2, 3].map((seq) => event('u1', seq));
    // the bus is followed from the start: it repeats what the store had, and the events since
    const bus = [1, 2, 3, 4, 5].map((seq) => event('u1', seq));
    const handedOut = [...stored, ...bus].filter((e) => seam.admit(e)).map((e) => e.seq);
    assert.deepEqual(handedOut, [1, 2, 3, 4, 5]);
    assert.equal(seam.size, 5);
  });

  it('fills a gap in the store from the bus without repeating the events around it', () => {
    const seam = new EventSeam();
    // seq 3 was not stored yet when the store was read (written out of order after an outage)
    const stored = [1, 2, 4].map((seq) => event('u1', seq));
    const bus = [1, 2, 3, 4, 5].map((seq) => event('u1', seq));
    const handedOut = [...stored, ...bus].filter((e) => seam.admit(e)).map((e) => e.seq);
    assert.deepEqual(handedOut, [1, 2, 4, 3, 5]);
  });

  it('tells runs apart by uid: the same event id of another run is another event', () => {
    const seam = new EventSeam();
    assert.equal(seam.admit(event('u1', 1)), true);
    assert.equal(seam.admit(event('u2', 1)), true);
    assert.equal(seam.admit(event('u1', 1)), false);
  });
});
