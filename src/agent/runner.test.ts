import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RunResult } from '../api/index.ts';
import { deadlineMs, terminationMessage } from './runner.ts';

const result = (fields: Partial<RunResult> = {}): RunResult => ({
  status: 'succeeded',
  response: 'ok',
  usage: { input: 1, output: 2 },
  toolCalls: 0,
  memoryUpdates: [],
  ...fields,
});

describe('terminationMessage', () => {
  it('is the whole result when it fits', () => {
    assert.deepEqual(JSON.parse(terminationMessage(result())), result());
  });

  it('shortens the answer and memory entries to fit 4 KiB, and says it did', () => {
    const big = result({
      response: 'é'.repeat(10_000),
      memoryUpdates: ['short fact', 'y'.repeat(3000)],
      error: undefined,
    });
    const text = terminationMessage(big);
    assert.ok(Buffer.byteLength(text) <= 4096, `${Buffer.byteLength(text)} bytes`);
    const parsed = JSON.parse(text) as RunResult;
    assert.equal(parsed.truncated, true);
    assert.equal(parsed.status, 'succeeded');
    assert.deepEqual(parsed.usage, { input: 1, output: 2 });
    assert.match(parsed.response ?? '', /\[truncated: \d+ of 10000 characters omitted\]$/);
    assert.ok(!parsed.memoryUpdates.includes('y'.repeat(3000)));
  });
});

describe('deadlineMs', () => {
  it('leaves a tenth of the timeout, at most 15 s, to write the result', () => {
    assert.equal(deadlineMs(600), 585_000);
    assert.equal(deadlineMs(60), 54_000);
    assert.equal(deadlineMs(1), 1000);
  });
});
