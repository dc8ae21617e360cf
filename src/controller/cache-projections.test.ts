import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubernetesObject } from '../kube/index.ts';
import { cacheProjection } from './cache-projections.ts';

const lastApplied = 'kubectl.kubernetes.io/last-applied-configuration';

describe('cache projections', () => {
  it('keeps only metadata and status of Jobs and pods', () => {
    for (const kind of ['Job', 'Pod']) {
      const object = {
        apiVersion: 'v1',
        kind,
        metadata: { name: 'a', namespace: 'n', resourceVersion: '5', labels: { run: 'r' } },
        spec: { template: { spec: { containers: [{ name: 'agent', image: 'i' }] } } },
        status: { conditions: [{ type: 'Complete', status: 'True' }] },
      } as KubernetesObject;
      assert.deepEqual(cacheProjection(kind)(object), {
        apiVersion: 'v1',
        kind,
        metadata: { name: 'a', namespace: 'n', resourceVersion: '5', labels: { run: 'r' } },
        status: { conditions: [{ type: 'Complete', status: 'True' }] },
      });
    }
  });

  it('keeps everything of other kinds but the last-applied annotation', () => {
    const run = {
      apiVersion: 'k8sclaw.io/v1alpha1',
      kind: 'AgentRun',
      metadata: { name: 'a', annotations: { [lastApplied]: '{"spec":{}}', keep: 'me' } },
      spec: { task: 't' },
    } as KubernetesObject;
    assert.deepEqual(cacheProjection('AgentRun')(run), {
      apiVersion: 'k8sclaw.io/v1alpha1',
      kind: 'AgentRun',
      metadata: { name: 'a', annotations: { keep: 'me' } },
      spec: { task: 't' },
    });
    const onlyLastApplied = {
      metadata: { name: 'b', annotations: { [lastApplied]: '{}' } },
    } as KubernetesObject;
    assert.deepEqual(cacheProjection('ClawInstance')(onlyLastApplied), { metadata: { name: 'b' } });
  });
});
