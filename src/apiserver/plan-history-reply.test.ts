import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AgentRun, ClawInstance, RunIdentity } from '../api/index.ts';
import { planHistoryRequest, resolveHistoryLimits } from './plan-history-reply.ts';

const identity: RunIdentity = { namespace: 'team-a', instance: 'bot', run: 'turn-2', runUid: 'uid-2' };

function run(spec: Partial<AgentRun['spec']> = {}, uid = 'uid-2'): AgentRun {
  return {
    apiVersion: 'k8sclaw.io/v1alpha1',
    kind: 'AgentRun',
    metadata: { name: 'turn-2', namespace: 'team-a', uid },
    spec: { instanceRef: 'bot', task: 'and then?', sessionKey: 'api:chat-1', ...spec },
  } as AgentRun;
}

function instance(sessions?: ClawInstance['spec']['sessions']): ClawInstance {
  return {
    apiVersion: 'k8sclaw.io/v1alpha1',
    kind: 'ClawInstance',
    metadata: { name: 'bot', namespace: 'team-a' },
    spec: { agents: { default: { provider: 'ollama', model: 'llama3' } }, ...(sessions ? { sessions } : {}) },
  } as ClawInstance;
}

describe('planHistoryRequest', () => {
  it("gives a run its session, leaving out the run's own messages", () => {
    assert.deepEqual(planHistoryRequest(identity, run()), {
      ok: true,
      session: { namespace: 'team-a', instance: 'bot', sessionKey: 'api:chat-1' },
      excludeRunUid: 'uid-2',
    });
  });

  const refusals: { name: string; agentRun: AgentRun | undefined; reason: string }[] = [
    { name: 'a run that is gone', agentRun: undefined, reason: 'RunNotFound' },
    {
      name: 'another run of the same name (uid differs)',
      agentRun: run({}, 'uid-other'),
      reason: 'RunNotFound',
    },
    {
      name: 'a run of another instance than the subject names',
      agentRun: run({ instanceRef: 'other' }),
      reason: 'RunNotFound',
    },
    { name: 'a run without a session key', agentRun: run({ sessionKey: undefined }), reason: 'NoSession' },
  ];
  for (const { name, agentRun, reason } of refusals) {
    it(`refuses ${name}`, () => {
      const plan = planHistoryRequest(identity, agentRun);
      assert.equal(plan.ok, false);
      assert.equal(plan.ok ? undefined : plan.reason, reason);
    });
  }
});

describe('resolveHistoryLimits', () => {
  it("takes the instance's limits, and the defaults for what it leaves out", () => {
    assert.deepEqual(resolveHistoryLimits(instance({ historyTurns: 3, historyTokens: 500 })), {
      maxTurns: 3,
      maxTokens: 500,
    });
    assert.deepEqual(resolveHistoryLimits(instance({ historyTurns: 0 })), { maxTurns: 0, maxTokens: 8000 });
    assert.deepEqual(resolveHistoryLimits(instance()), { maxTurns: 20, maxTokens: 8000 });
    assert.deepEqual(resolveHistoryLimits(undefined), { maxTurns: 20, maxTokens: 8000 });
  });
});
