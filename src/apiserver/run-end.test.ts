import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AgentRun } from '../api/index.ts';
import { classifyRun } from './run-end.ts';

const run = (uid: string, phase?: 'Pending' | 'Running' | 'Succeeded' | 'Failed'): AgentRun =>
  ({
    apiVersion: 'k8sclaw.io/v1alpha1',
    kind: 'AgentRun',
    metadata: { name: 'r', namespace: 'ns', uid },
    spec: { instanceRef: 'claw', task: 't' },
    ...(phase ? { status: { phase } } : {}),
  }) as AgentRun;

describe('the end of a followed run', () => {
  it('is gone when deleted or replaced by another run of the same name', () => {
    assert.deepEqual(classifyRun(undefined, 'u1'), { kind: 'gone' });
    assert.deepEqual(classifyRun(run('u2', 'Running'), 'u1'), { kind: 'gone' });
  });

  it('is running until its phase is Succeeded or Failed', () => {
    assert.deepEqual(classifyRun(run('u1'), 'u1'), { kind: 'running' });
    assert.deepEqual(classifyRun(run('u1', 'Pending'), 'u1'), { kind: 'running' });
    assert.deepEqual(classifyRun(run('u1', 'Running'), 'u1'), { kind: 'running' });
    assert.deepEqual(classifyRun(run('u1', 'Failed'), 'u1'), { kind: 'finished', phase: 'Failed' });
    assert.deepEqual(classifyRun(run('u1', 'Succeeded'), 'u1'), { kind: 'finished', phase: 'Succeeded' });
  });
});
