// The feature gates of a policy as rows: every known gate, whether it is on, and whether the policy
// sets it or the built-in default applies. Pure, shared by `features list` and (later) the TUI.
import { featureGateDefaults, featureGateNames, type ClawPolicy, type FeatureGate } from '../../api/index.ts';

export interface FeatureGateRow {
  gate: FeatureGate;
  enabled: boolean;
  source: 'policy' | 'default';
}

export function buildFeatureGateRows(policy: ClawPolicy | undefined): FeatureGateRow[] {
  const set = policy?.spec.featureGates ?? {};
  return featureGateNames.map((gate) =>
    gate in set
      ? { gate, enabled: set[gate] === true, source: 'policy' }
      : { gate, enabled: featureGateDefaults[gate], source: 'default' },
  );
}

export const featureGateHeaders = ['Gate', 'Enabled', 'Source'];

export const featureGateCells = (row: FeatureGateRow): string[] => [
  row.gate,
  String(row.enabled),
  row.source,
];
