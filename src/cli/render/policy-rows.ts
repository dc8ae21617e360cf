// Rows of ClawPolicies: the CRD's printer columns, and in wide output the gates the policy enables.
import type { ClawPolicy } from '../../api/index.ts';
import { formatAge } from './format-age.ts';
import { cellText, type RowRenderer } from './row-renderer.ts';

export const policyRows: RowRenderer<ClawPolicy> = {
  columns: [
    { header: 'Default Action', cell: (p) => cellText(p.spec.toolGating?.defaultAction) },
    { header: 'Bound', cell: (p) => cellText(p.status?.boundInstances ?? 0) },
    { header: 'Age', cell: (p, now) => formatAge(p.metadata.creationTimestamp, now) },
    {
      header: 'Enabled Gates',
      wide: true,
      cell: (p) =>
        cellText(
          Object.entries(p.spec.featureGates ?? {})
            .filter(([, on]) => on)
            .map(([gate]) => gate)
            .sort()
            .join(','),
        ),
    },
  ],
};
