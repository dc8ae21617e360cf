import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Controller, TerminalError } from './controller-runner.ts';

describe('Controller', () => {
  it('lets timers and I/O run while it works through a long queue of reconciles that never wait', async () => {
    // a leader renewing its Lease on a timer must not be starved by reconciles answered from caches
    let reconciled = 0;
    const controller = new Controller(
      'test',
      async () => {
        const until = performance.now() + 0.2;
        while (performance.now() < until) reconciled += 0;
        reconciled++;
      },
      { workers: 4 },
    );
    const stop = new AbortController();
    const done = controller.run(stop.signal);
    for (let i = 0; i < 10_000; i++) controller.enqueue(`key-${i}`);
    // 10,000 reconciles of 0.2 ms each take 2 s: a timer due in 10 ms fires long before they end
    const reconciledWhenTimerFired = await new Promise<number>((resolve) =>
      setTimeout(() => resolve(reconciled), 10),
    );
    stop.abort();
    await done;
    assert.ok(
      reconciledWhenTimerFired < 5_000,
      `the timer waited for ${reconciledWhenTimerFired} reconciles`,
    );
  });

  it('never reconciles one key on two workers at once, but does run different keys in parallel', async () => {
    const running = new Set<string>();
    let overlapped = false;
    let parallel = 0;
    let maxParallel = 0;
    const controller = new Controller(
      'test',
      async (key) => {
        if (running.has(key)) overlapped = true;
        running.add(key);
        maxParallel = Math.max(maxParallel, ++parallel);
        await sleep(20);
        running.delete(key);
        parallel--;
      },
      { workers: 4 },
    );
    const stop = new AbortController();
    const done = controller.run(stop.signal);
    for (let i = 0; i < 5; i++) {
      controller.enqueue('same');
      controller.enqueue(`other-${i}`);
      await sleep(5);
    }
    await sleep(100);
    stop.abort();
    await done;
    assert.equal(overlapped, false);
    assert.ok(maxParallel > 1);
  });

  it('retries a throwing reconcile with backoff, and stops on a terminal error', async () => {
    const attempts = new Map<string, number>();
    const results: string[] = [];
    const controller = new Controller(
      'test',
      async (key) => {
        const n = (attempts.get(key) ?? 0) + 1;
        attempts.set(key, n);
        if (key === 'flaky' && n < 3) throw new Error('transient');
        if (key === 'broken') throw new TerminalError('cannot be fixed by retrying');
      },
      { workers: 1, observer: { reconciled: (_c, result) => results.push(result) } },
    );
    const stop = new AbortController();
    const done = controller.run(stop.signal);
    controller.enqueue('flaky');
    controller.enqueue('broken');
    await sleep(600);
    stop.abort();
    await done;
    assert.equal(attempts.get('flaky'), 3, 'two failures, then success');
    assert.equal(attempts.get('broken'), 1, 'a terminal error is not retried');
    assert.deepEqual(
      results.filter((r) => r === 'terminal'),
      ['terminal'],
    );
  });

  it('requeues after the delay a reconcile asks for', async () => {
    let calls = 0;
    const controller = new Controller('test', async () => {
      calls++;
      return calls === 1 ? { requeueAfterMs: 50 } : undefined;
    });
    const stop = new AbortController();
    const done = controller.run(stop.signal);
    controller.enqueue('k');
    await sleep(20);
    assert.equal(calls, 1);
    await sleep(80);
    assert.equal(calls, 2);
    stop.abort();
    await done;
  });
});
