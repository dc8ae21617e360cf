import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readVersionInfo, renderVersion } from './version.ts';

describe('version command', () => {
  it('reads the package version and renders it with the runtime version', () => {
    const info = readVersionInfo(new URL('../../../package.json', import.meta.url));
    assert.match(info.k8sclaw, /^\d+\.\d+\.\d+/);
    assert.equal(renderVersion({ k8sclaw: '1.2.3', node: 'v24.0.0' }), 'k8sclaw 1.2.3 (node v24.0.0)');
  });
});
