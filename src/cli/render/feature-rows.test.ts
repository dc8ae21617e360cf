import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { policyFixture } from '../../../test/fixtures/k8sclaw-objects.ts';
import { buildFeatureGateRows, featureGateCells } from './feature-rows.ts';
import { formatTable } from './format-table.ts';

describe('buildFeatureGateRows', () => {
  it('without a policy every gate has its default', () => {
    const rows = buildFeatureGateRows(undefined);
    assert.deepEqual(
      rows.map((r) => `${r.gate}=${r.enabled}/${r.source}`),
      [
        'code-execution=false/default',
        'sub-agents=false/default',
        'network-access=false/default',
        'file-access=true/default',
        'browser-automation=false/default',
        'memory-write=true/default',
        'channel-send=true/default',
      ],
    );
  });

  it('what the policy sets wins over the default, on or off', () => {
    const rows = buildFeatureGateRows(
      policyFixture((p) => (p.spec.featureGates = { 'code-execution': true, 'file-access': false })),
    );
    assert.deepEqual(rows.filter((r) => r.source === 'policy').map(featureGateCells), [
      ['code-execution', 'true', 'policy'],
      ['file-access', 'false', 'policy'],
    ]);
    assert.equal(rows.length, 7);
  });

  it('renders as a table', () => {
    const table = formatTable(
      ['Gate', 'Enabled', 'Source'],
      buildFeatureGateRows(undefined).slice(0, 1).map(featureGateCells),
    );
    assert.equal(table, 'GATE             ENABLED   SOURCE\ncode-execution   false     default');
  });
});
