import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  annotations,
  compileMessageValidator,
  runInputSchema,
  type AgentRun,
  type RunResult,
} from '../../api/index.ts';
import { runFixture } from '../../../test/fixtures/k8sclaw-objects.ts';
import { buildRefusalInput, planChildAnswer, planEndedChildAnswer } from './plan-answer.ts';

const now = new Date('2026-03-01T12:00:00Z');
const checkInput = compileMessageValidator(runInputSchema);
const child: AgentRun = runFixture((run) => {
  run.metadata.name = 'lead-sub-1';
  run.metadata.uid = 'uid-child';
  run.metadata.annotations = { [annotations.subagentRequest]: 'req-1' };
  run.metadata.ownerReferences = [
    { apiVersion: 'k8sclaw.io/v1alpha1', kind: 'AgentRun', name: 'lead', uid: 'uid-lead', controller: true },
  ];
  run.spec.parent = { runName: 'lead', spawnDepth: 1 };
});
const result = (overrides: Partial<RunResult>): RunResult => ({
  status: 'succeeded',
  usage: { input: 1, output: 1 },
  toolCalls: 0,
  memoryUpdates: [],
  ...overrides,
});

describe('planChildAnswer', () => {
  it("answers the parent's run (by its uid) with the child's response, without memory markers", () => {
    const answer = planChildAnswer(
      child,
      result({ response: 'Three files.<!-- memory:append -->likes counting<!-- /memory -->' }),
      now,
    );
    assert.deepEqual(answer?.parent, {
      namespace: 'team-a',
      instance: 'alice',
      run: 'lead',
      runUid: 'uid-lead',
    });
    assert.equal(answer?.input.id, 'subagent-req-1');
    assert.deepEqual(answer?.input.subagent, {
      requestId: 'req-1',
      status: 'succeeded',
      run: 'lead-sub-1',
      response: 'Three files.',
    });
    assert.ok(checkInput(answer?.input).ok, 'a valid run input');
  });

  it("passes a failed child's error on", () => {
    const answer = planChildAnswer(child, result({ status: 'failed', error: 'provider down' }), now);
    assert.deepEqual(answer?.input.subagent, {
      requestId: 'req-1',
      status: 'failed',
      run: 'lead-sub-1',
      error: 'provider down',
    });
  });

  it('cuts a long response to what the input may carry', () => {
    const answer = planChildAnswer(child, result({ response: 'x'.repeat(60_000) }), now);
    assert.ok(checkInput(answer?.input).ok);
  });

  it('answers nobody for a run that is no sub-agent', () => {
    assert.equal(planChildAnswer(runFixture(), result({}), now), undefined);
  });
});

describe('buildRefusalInput', () => {
  it('is a valid input carrying the refusal under the request id', () => {
    const input = buildRefusalInput('req-2', 'too many', now);
    assert.equal(input.id, 'subagent-req-2');
    assert.deepEqual(input.subagent, { requestId: 'req-2', status: 'refused', error: 'too many' });
    assert.ok(checkInput(input).ok);
  });
});

describe('planEndedChildAnswer', () => {
  it('answers with the failure of a child that ends without a result on the bus', () => {
    const answer = planEndedChildAnswer(
      child,
      { phase: 'Failed', error: 'cancelled by alice', resultFromBus: false },
      now,
    );
    assert.deepEqual(answer?.input.subagent, {
      requestId: 'req-1',
      status: 'failed',
      run: 'lead-sub-1',
      error: 'cancelled by alice',
    });
  });

  it('answers with the result from the termination message when there is one', () => {
    const answer = planEndedChildAnswer(
      child,
      { phase: 'Succeeded', fallback: result({ response: 'from the message' }), resultFromBus: false },
      now,
    );
    assert.equal(answer?.input.subagent?.response, 'from the message');
  });

  it('leaves it to the completion consumer when the result came from the bus, and waits for the end', () => {
    assert.equal(planEndedChildAnswer(child, { phase: 'Succeeded', resultFromBus: true }, now), undefined);
    assert.equal(planEndedChildAnswer(child, { phase: 'Running', resultFromBus: false }, now), undefined);
  });
});
