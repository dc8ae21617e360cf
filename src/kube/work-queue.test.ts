import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { WorkQueue, type QueueClock } from './work-queue.ts';

function manualClock(): QueueClock & { advance(ms: number): void; readonly pending: number } {
  let now = 0;
  let nextId = 1;
  let timers: { id: number; at: number; callback: () => void }[] = [];
  return {
    now: () => now,
    setTimeout: (callback, ms) => {
      const id = nextId++;
      timers.push({ id, at: now + ms, callback });
      return id;
    },
    clearTimeout: (id) => {
      timers = timers.filter((t) => t.id !== id);
    },
    get pending() {
      return timers.length;
    },
    advance(ms) {
      now += ms;
      const due = timers.filter((t) => t.at <= now);
      timers = timers.filter((t) => t.at > now);
      for (const timer of due) timer.callback();
    },
  };
}

describe('WorkQueue', () => {
  it('holds a key once however often it is added', async () => {
    const queue = new WorkQueue();
    queue.add('a');
    queue.add('a');
    queue.add('b');
    assert.equal(queue.length, 2);
    assert.equal(await queue.get(), 'a');
    assert.equal(await queue.get(), 'b');
  });

  it('never hands a key being processed to a second worker, and re-queues it when done', async () => {
    const queue = new WorkQueue();
    queue.add('a');
    const key = await queue.get();
    queue.add('a');
    assert.equal(queue.length, 0, 'a key in processing is not queued again');
    queue.done(key ?? '');
    assert.equal(queue.length, 1, 'the add during processing is kept for after it');
    assert.equal(await queue.get(), 'a');
  });

  it('hands a new key straight to a waiting worker', async () => {
    const queue = new WorkQueue();
    const waiting = queue.get();
    queue.add('x');
    assert.equal(await waiting, 'x');
    queue.add('x');
    assert.equal(queue.length, 0, 'x is being processed');
  });

  it('backs off exponentially per key up to the maximum, and forgets on success', () => {
    const clock = manualClock();
    const queue = new WorkQueue({ baseBackoffMs: 100, maxBackoffMs: 1_000, clock });
    assert.deepEqual(
      [1, 2, 3, 4, 5].map(() => queue.addRateLimited('k')),
      [100, 200, 400, 800, 1_000],
    );
    assert.equal(queue.failuresOf('k'), 5);
    queue.forget('k');
    assert.equal(queue.addRateLimited('k'), 100);
  });

  it('delays keys added after a time', async () => {
    const clock = manualClock();
    const queue = new WorkQueue({ clock });
    queue.addAfter('later', 500);
    assert.equal(queue.length, 0);
    clock.advance(499);
    assert.equal(queue.length, 0);
    clock.advance(1);
    assert.equal(await queue.get(), 'later');
  });

  it('keeps one pending delayed add per key, the earliest', async () => {
    const clock = manualClock();
    const queue = new WorkQueue({ clock });
    for (let i = 0; i < 1_000; i++) queue.addAfter('k', 1_000 + i);
    queue.addAfter('k', 300);
    queue.addAfter('other', 300);
    assert.equal(clock.pending, 2, 'one timer per key, however often it is requeued');
    assert.equal(queue.delayedLength, 2);
    clock.advance(300);
    assert.equal(queue.length, 2, 'the earliest delay won');
    assert.equal(await queue.get(), 'k');
    queue.done('k');
    assert.equal(await queue.get(), 'other');
    queue.done('other');
    clock.advance(10_000);
    assert.equal(queue.length, 0, 'the later delays were dropped, not merely deduplicated on arrival');
    assert.equal(queue.delayedLength, 0);
  });

  it('limits retries across all keys with a token bucket beside the per-key backoff', () => {
    const clock = manualClock();
    const queue = new WorkQueue({ clock, baseBackoffMs: 5, retriesPerSecond: 10, retryBurst: 3 });
    assert.deepEqual(
      ['a', 'b', 'c', 'd', 'e'].map((key) => queue.addRateLimited(key)),
      [5, 5, 5, 100, 200],
      'a burst of first failures is spread out at 10 per second once the bucket is empty',
    );
    clock.advance(10_000);
    assert.equal(queue.addRateLimited('a'), 10, 'with tokens back, the per-key backoff rules');
  });

  it('hands out no more keys once shut down, and drops pending delayed adds', async () => {
    const clock = manualClock();
    const queue = new WorkQueue({ clock });
    queue.add('queued');
    queue.addAfter('later', 100);
    queue.shutDown();
    assert.equal(await queue.get(), undefined, 'a queued key is not handed out after shutdown');
    assert.equal(clock.pending, 0);
    clock.advance(100);
    assert.equal(await queue.get(), undefined);
  });

  it('reports how long a key waited', async () => {
    const clock = manualClock();
    const waits: number[] = [];
    const queue = new WorkQueue({ clock, onWait: (ms) => waits.push(ms) });
    queue.add('a');
    clock.advance(250);
    await queue.get();
    assert.deepEqual(waits, [250]);
  });

  it('releases waiting workers on shutdown', async () => {
    const queue = new WorkQueue();
    const waiting = queue.get();
    queue.shutDown();
    assert.equal(await waiting, undefined);
    queue.add('ignored');
    assert.equal(queue.length, 0);
  });
});
