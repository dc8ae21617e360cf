// Rows of ClawInstances: the CRD's printer columns, and in wide output the policy and channels.
import type { ClawInstance } from '../../api/index.ts';
import { formatAge } from './format-age.ts';
import { cellText, type RowRenderer } from './row-renderer.ts';

export const instanceRows: RowRenderer<ClawInstance> = {
  columns: [
    { header: 'Phase', cell: (i) => cellText(i.status?.phase) },
    { header: 'Provider', cell: (i) => cellText(i.spec.agents.default.provider) },
    { header: 'Model', cell: (i) => cellText(i.spec.agents.default.model) },
    { header: 'Active', cell: (i) => cellText(i.status?.activeRuns ?? 0) },
    { header: 'Total', cell: (i) => cellText(i.status?.totalRuns ?? 0) },
    { header: 'Age', cell: (i, now) => formatAge(i.metadata.creationTimestamp, now) },
    { header: 'Policy', wide: true, cell: (i) => cellText(i.spec.policyRef) },
    {
      header: 'Channels',
      wide: true,
      cell: (i) => cellText((i.spec.channels ?? []).map((c) => c.type).join(',')),
    },
  ],
};
