// The TUI's seven views: what each shows (the resource it watches, which of its objects, and the
// columns, reusing the CLI's row renderers), and the pure object → row function the table draws.
import {
  agentRunKind,
  apiVersion,
  clawInstanceKind,
  clawPolicyKind,
  clawScheduleKind,
  labels,
  skillPackKind,
  type AgentRun,
  type ClawInstance,
  type ClawSchedule,
  type KindDescriptor,
} from '../../api/index.ts';
import type { ResourceType } from '../../kube/index.ts';
import { instanceRows } from '../render/instance-rows.ts';
import { channelPodRows, podRows } from '../render/pod-rows.ts';
import { policyRows } from '../render/policy-rows.ts';
import { cellText, oneLine, type Column, type RowRenderer } from '../render/row-renderer.ts';
import { runRows } from '../render/run-rows.ts';
import { scheduleRows } from '../render/schedule-rows.ts';
import { skillPackRows } from '../render/skill-pack-rows.ts';

export type ViewId = 'instances' | 'runs' | 'policies' | 'skills' | 'channels' | 'pods' | 'schedules';

export interface TuiObject {
  metadata?: { name?: string; namespace?: string; labels?: Record<string, string> };
}

export interface ViewDefinition {
  id: ViewId;
  title: string;
  /** The resource the view's informer lists and watches. */
  resource: ResourceType;
  /** The K8sClaw kind, for deleting; undefined for pods. */
  kind?: KindDescriptor;
  /** Which of the resource's objects the view shows. */
  includes: (object: TuiObject) => boolean;
  columns: readonly Column<never>[];
}

const crd = (kind: KindDescriptor): ResourceType => ({ apiVersion, kind: kind.kind, plural: kind.plural });
export const podResource: ResourceType = { apiVersion: 'v1', kind: 'Pod', plural: 'pods' };

const all = (): boolean => true;
const columnsOf = <T>(renderer: RowRenderer<T>, extra: Column<T>[] = []): Column<never>[] =>
  [...renderer.columns, ...extra] as Column<never>[];

const memoryColumn: Column<ClawInstance> = {
  header: 'Memory',
  // the CRD's defaults: memory is on, 256 KB
  cell: (i) => (i.spec.memory?.enabled === false ? 'off' : `${i.spec.memory?.maxSizeKB ?? 256}KB`),
};
const resultColumn: Column<AgentRun> = {
  header: 'Result',
  cell: (r) => (r.status?.error ? oneLine(r.status.error, 40) : oneLine(r.status?.result, 40)),
};
const schedulePhaseColumn: Column<ClawSchedule> = { header: 'Phase', cell: (s) => cellText(s.status?.phase) };
const runCountColumn: Column<ClawSchedule> = {
  header: 'Runs',
  cell: (s) => cellText(s.status?.totalRuns ?? 0),
};

/** In the order of their number keys, 1 to 7. */
export const views: readonly ViewDefinition[] = [
  {
    id: 'instances',
    title: 'Instances',
    resource: crd(clawInstanceKind),
    kind: clawInstanceKind,
    includes: all,
    columns: columnsOf(instanceRows, [memoryColumn]),
  },
  {
    id: 'runs',
    title: 'Runs',
    resource: crd(agentRunKind),
    kind: agentRunKind,
    includes: all,
    columns: columnsOf(runRows, [resultColumn]).filter((c) => c.header !== 'Task' && c.header !== 'Pod'),
  },
  {
    id: 'policies',
    title: 'Policies',
    resource: crd(clawPolicyKind),
    kind: clawPolicyKind,
    includes: all,
    columns: columnsOf(policyRows),
  },
  {
    id: 'skills',
    title: 'Skills',
    resource: crd(skillPackKind),
    kind: skillPackKind,
    includes: all,
    columns: columnsOf(skillPackRows).filter((c) => c.header !== 'Names'),
  },
  {
    id: 'channels',
    title: 'Channels',
    resource: podResource,
    includes: (o) => Boolean(o.metadata?.labels?.[labels.channel]),
    columns: columnsOf(channelPodRows),
  },
  {
    id: 'pods',
    title: 'Pods',
    resource: podResource,
    includes: all,
    columns: columnsOf(podRows),
  },
  {
    id: 'schedules',
    title: 'Schedules',
    resource: crd(clawScheduleKind),
    kind: clawScheduleKind,
    includes: all,
    columns: columnsOf(scheduleRows, [schedulePhaseColumn, runCountColumn]).filter(
      (c) => c.header !== 'Task',
    ),
  },
];

export function viewById(id: ViewId): ViewDefinition {
  return views.find((v) => v.id === id)!;
}

export interface TableRow {
  key: string;
  cells: string[];
}

/** The header of a view's table: namespace (when all are shown), name, then the view's columns. */
export function viewHeaders(view: ViewDefinition, allNamespaces: boolean): string[] {
  return [...(allNamespaces ? ['Namespace'] : []), 'Name', ...view.columns.map((c) => c.header)];
}

/**
 * The rows a view shows: its objects in the namespace (or all of them), whose name contains the
 * filter, sorted by namespace and name. Pure.
 */
export function viewRows(
  view: ViewDefinition,
  objects: readonly TuiObject[],
  options: { namespace: string | undefined; filter: string; now: Date },
): TableRow[] {
  const filter = options.filter.toLowerCase();
  return objects
    .filter((o) => view.includes(o))
    .filter((o) => options.namespace === undefined || o.metadata?.namespace === options.namespace)
    .filter((o) => !filter || (o.metadata?.name ?? '').toLowerCase().includes(filter))
    .map((o) => ({ object: o, key: `${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}` }))
    .sort((a, b) => a.key.localeCompare(b.key))
    .map(({ object, key }) => ({
      key,
      cells: [
        ...(options.namespace === undefined ? [object.metadata?.namespace ?? ''] : []),
        object.metadata?.name ?? '',
        ...view.columns.map((c) => c.cell(object as never, options.now)),
      ],
    }));
}
