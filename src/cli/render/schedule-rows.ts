// Rows of ClawSchedules: the CRD's printer columns, the next run as "in 4m", the task in wide output.
import type { ClawSchedule } from '../../api/index.ts';
import { formatAge, formatUntil } from './format-age.ts';
import { cellText, none, oneLine, type RowRenderer } from './row-renderer.ts';

export const scheduleRows: RowRenderer<ClawSchedule> = {
  columns: [
    { header: 'Instance', cell: (s) => cellText(s.spec.instanceRef) },
    { header: 'Schedule', cell: (s) => cellText(s.spec.schedule) },
    { header: 'Type', cell: (s) => cellText(s.spec.type) },
    { header: 'Suspend', cell: (s) => cellText(s.spec.suspend ?? false) },
    {
      header: 'Last Run',
      cell: (s, now) => (s.status?.lastRunTime ? formatAge(s.status.lastRunTime, now) : none),
    },
    { header: 'Next Run', cell: (s, now) => formatUntil(s.status?.nextRunTime, now) },
    { header: 'Age', cell: (s, now) => formatAge(s.metadata.creationTimestamp, now) },
    { header: 'Task', wide: true, cell: (s) => oneLine(s.spec.task) },
  ],
};
