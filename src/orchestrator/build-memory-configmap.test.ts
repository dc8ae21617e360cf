import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildMemoryConfigMap } from './build-memory-configmap.ts';
import { instanceFixture } from '../../test/fixtures/k8sclaw-objects.ts';

describe('buildMemoryConfigMap', () => {
  it('is <instance>-memory, seeded with a header under MEMORY.md', () => {
    const configMap = buildMemoryConfigMap(instanceFixture());
    assert.equal(configMap.metadata.name, 'alice-memory');
    assert.equal(configMap.metadata.namespace, 'team-a');
    assert.deepEqual(configMap.data, { 'MEMORY.md': '# Memory of alice\n' });
  });

  it('is labelled and owned by the instance', () => {
    const configMap = buildMemoryConfigMap(instanceFixture());
    assert.equal(configMap.metadata.labels['k8sclaw.io/instance'], 'alice');
    assert.equal(configMap.metadata.labels['app.kubernetes.io/component'], 'memory');
    assert.deepEqual(
      configMap.metadata.ownerReferences.map((o) => [o.kind, o.name, o.uid, o.controller]),
      [['ClawInstance', 'alice', 'uid-instance-alice', true]],
    );
  });
});
