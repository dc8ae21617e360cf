// Rows of AgentRuns: the CRD's printer columns (a sub-agent's parent run; the task only in wide output).
import type { AgentRun } from '../../api/index.ts';
import { formatAge } from './format-age.ts';
import { cellText, oneLine, type RowRenderer } from './row-renderer.ts';

export const runRows: RowRenderer<AgentRun> = {
  columns: [
    { header: 'Instance', cell: (r) => cellText(r.spec.instanceRef) },
    { header: 'Phase', cell: (r) => cellText(r.status?.phase) },
    { header: 'Pod', cell: (r) => cellText(r.status?.podName) },
    { header: 'Duration', cell: (r) => cellText(r.status?.duration) },
    { header: 'Age', cell: (r, now) => formatAge(r.metadata.creationTimestamp, now) },
    { header: 'Parent', cell: (r) => cellText(r.spec.parent?.runName) },
    { header: 'Task', wide: true, cell: (r) => oneLine(r.spec.task) },
  ],
};
