import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KubeConfig } from '@kubernetes/client-node';
import { objectKey, resourcePath, stripForCache, watchWithSilenceLimit } from './informer.ts';

describe('informer helpers', () => {
  it('keeps everything but managedFields in the cache', () => {
    const object = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'a', namespace: 'n', labels: { x: 'y' }, managedFields: [{ manager: 'kubectl' }] },
      data: { k: 'v' },
    };
    assert.deepEqual(stripForCache(object), {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'a', namespace: 'n', labels: { x: 'y' } },
      data: { k: 'v' },
    });
  });

  it('builds watch paths and keys', () => {
    assert.equal(resourcePath({ apiVersion: 'v1', kind: 'Pod', plural: 'pods' }), '/api/v1/pods');
    assert.equal(
      resourcePath({ apiVersion: 'k8sclaw.io/v1alpha1', kind: 'AgentRun', plural: 'agentruns' }),
      '/apis/k8sclaw.io/v1alpha1/agentruns',
    );
    assert.equal(
      resourcePath({ apiVersion: 'v1', kind: 'Pod', plural: 'pods' }, 'team-a'),
      '/api/v1/namespaces/team-a/pods',
    );
    assert.equal(
      resourcePath({ apiVersion: 'k8sclaw.io/v1alpha1', kind: 'AgentRun', plural: 'agentruns' }, 'team-a'),
      '/apis/k8sclaw.io/v1alpha1/namespaces/team-a/agentruns',
    );
    assert.equal(objectKey({ metadata: { namespace: 'n', name: 'a' } }), 'n/a');
  });

  it('raises the client watch silence limit above the bookmark interval', () => {
    const watch = watchWithSilenceLimit(new KubeConfig(), 90_000);
    assert.equal((watch as unknown as { requestTimeoutMs: number }).requestTimeoutMs, 90_000);
  });
});
