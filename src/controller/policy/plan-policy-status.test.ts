import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ClawInstance, ClawPolicy } from '../../api/index.ts';
import { planPolicyStatus } from './plan-policy-status.ts';

const now = new Date('2026-01-01T00:00:00Z');
const policy = (status?: ClawPolicy['status']): ClawPolicy => ({
  apiVersion: 'k8sclaw.io/v1alpha1',
  kind: 'ClawPolicy',
  metadata: { name: 'strict', namespace: 'a', generation: 2 },
  spec: {},
  ...(status ? { status } : {}),
});
const instance = (name: string, namespace: string, policyRef?: string): ClawInstance => ({
  apiVersion: 'k8sclaw.io/v1alpha1',
  kind: 'ClawInstance',
  metadata: { name, namespace },
  spec: { agents: { default: { provider: 'ollama', model: 'm' } }, ...(policyRef ? { policyRef } : {}) },
});

describe('planPolicyStatus', () => {
  const cases = [
    { name: 'no instances', instances: [], bound: [] },
    {
      name: 'only instances naming the policy count',
      instances: [instance('x', 'a', 'strict'), instance('y', 'a', 'other'), instance('z', 'a')],
      bound: ['x'],
    },
    {
      name: 'same name in another namespace does not count',
      instances: [instance('x', 'b', 'strict')],
      bound: [],
    },
    {
      name: 'names are sorted',
      instances: [instance('m', 'a', 'strict'), instance('c', 'a', 'strict')],
      bound: ['c', 'm'],
    },
  ];
  for (const testCase of cases) {
    it(testCase.name, () => {
      const status = planPolicyStatus(policy(), testCase.instances, now);
      assert.deepEqual(status.boundInstanceNames, testCase.bound);
      assert.equal(status.boundInstances, testCase.bound.length);
      assert.equal(status.observedGeneration, 2);
      assert.equal(status.conditions?.[0]?.status, 'True');
    });
  }

  it('is stable when nothing changed (so no status write happens)', () => {
    const first = planPolicyStatus(policy(), [instance('x', 'a', 'strict')], now);
    const second = planPolicyStatus(
      policy(first),
      [instance('x', 'a', 'strict')],
      new Date('2026-02-01T00:00:00Z'),
    );
    assert.deepEqual(second, first);
  });
});
