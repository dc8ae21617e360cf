import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { annotations, type AgentRun } from '../../api/index.ts';
import { toScheduledRun } from './scheduled-run.ts';

const agentRun = (modify: (run: AgentRun) => void = () => {}): AgentRun => {
  const run: AgentRun = {
    apiVersion: 'k8sclaw.io/v1alpha1',
    kind: 'AgentRun',
    metadata: { name: 'nightly-29453760', namespace: 'team', creationTimestamp: '2026-01-01T00:00:03Z' },
    spec: { instanceRef: 'alice', task: 'summarise' },
  };
  modify(run);
  return run;
};

describe('toScheduledRun', () => {
  const cases = [
    {
      name: 'a new run: no phase yet, no tick annotation',
      run: agentRun(),
      expected: {
        name: 'nightly-29453760',
        phase: undefined,
        creationTimestamp: new Date('2026-01-01T00:00:03Z'),
      },
    },
    {
      name: 'a finished run with its tick',
      run: agentRun((r) => {
        r.metadata.annotations = { [annotations.scheduledAt]: '2026-01-01T00:00:00.000Z' };
        r.status = { phase: 'Succeeded', completedAt: '2026-01-01T00:05:00Z' };
      }),
      expected: {
        name: 'nightly-29453760',
        phase: 'Succeeded' as const,
        scheduledAt: new Date('2026-01-01T00:00:00Z'),
        completedAt: new Date('2026-01-01T00:05:00Z'),
        creationTimestamp: new Date('2026-01-01T00:00:03Z'),
      },
    },
    {
      name: 'an unreadable tick is ignored',
      run: agentRun((r) => {
        r.metadata.annotations = { [annotations.scheduledAt]: 'yesterday' };
      }),
      expected: {
        name: 'nightly-29453760',
        phase: undefined,
        creationTimestamp: new Date('2026-01-01T00:00:03Z'),
      },
    },
    {
      name: 'no creationTimestamp (not read from the apiserver): the tick stands in',
      run: agentRun((r) => {
        delete r.metadata.creationTimestamp;
        r.metadata.annotations = { [annotations.scheduledAt]: '2026-01-01T00:00:00.000Z' };
      }),
      expected: {
        name: 'nightly-29453760',
        phase: undefined,
        scheduledAt: new Date('2026-01-01T00:00:00Z'),
        creationTimestamp: new Date('2026-01-01T00:00:00Z'),
      },
    },
  ];
  for (const c of cases) {
    it(c.name, () => assert.deepEqual(toScheduledRun(c.run), c.expected));
  }
});
