import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RunEvent, RunEventBody } from '../api/index.ts';
import { findMissingSeqs, planCompletedRun } from './plan-run-record.ts';

const identity = { namespace: 'team-a', instance: 'claw', run: 'r1', runUid: 'u1' };
const event = (seq: number, body: RunEventBody): RunEvent => ({
  id: `e${seq}`,
  seq,
  time: '2026-01-01T00:00:00.000Z',
  identity,
  body,
});
const completed = (response?: string) =>
  event(4, {
    type: 'completed',
    result: {
      status: 'succeeded',
      ...(response !== undefined ? { response } : {}),
      usage: { input: 7, output: 3 },
      toolCalls: 1,
      memoryUpdates: [],
    },
  });
const stored = [
  event(1, { type: 'started', provider: 'openai', model: 'gpt' }),
  event(3, {
    type: 'tool_call',
    callId: 'c1',
    tool: 'read',
    arguments: '{}',
    outcome: 'ok',
    summary: 'read it',
  }),
];

describe('findMissingSeqs', () => {
  it('names the seqs before the completion that are not stored', () => {
    assert.deepEqual(findMissingSeqs(stored, 4), [2]);
    assert.deepEqual(findMissingSeqs([...stored, event(2, { type: 'chunk', text: 'x' })], 4), []);
    assert.deepEqual(findMissingSeqs([], 1), []);
  });
});

describe('planCompletedRun', () => {
  it('records the question and the reply without memory markers in the run’s session', () => {
    const plan = planCompletedRun(
      completed('Hello <!-- memory:append -->likes tea<!-- /memory --> there'),
      { sessionKey: 'telegram:42', task: 'hi' },
      stored,
    );
    assert.equal(plan.record.sessionKey, 'telegram:42');
    assert.deepEqual(plan.record.usage, { input: 7, output: 3 });
    assert.equal(plan.record.transcript.model, 'gpt');
    assert.equal(plan.record.transcript.toolCalls.length, 1);
    assert.deepEqual(
      plan.messages.map((m) => [m.idempotencyKey, m.role, m.content]),
      [
        ['u1:user', 'user', 'hi'],
        ['u1:assistant', 'assistant', 'Hello  there'],
      ],
    );
    assert.deepEqual(plan.messages[1]?.usage, { input: 7, output: 3 });
  });

  it('stores no messages for a run without a session or whose AgentRun is gone', () => {
    const withoutSession = planCompletedRun(completed('ok'), { task: 'hi' }, stored);
    assert.deepEqual(withoutSession.messages, []);
    assert.equal(withoutSession.record.sessionKey, undefined);
    assert.deepEqual(planCompletedRun(completed('ok'), undefined, stored).messages, []);
  });

  it('stores the question alone when the run ended without an answer', () => {
    const plan = planCompletedRun(completed(), { sessionKey: 's', task: 'hi' }, []);
    assert.deepEqual(
      plan.messages.map((m) => m.role),
      ['user'],
    );
  });
});
