// Rows of pods, as `kubectl get pods` shows them (ready containers, status, restarts, age), and the
// rows of channel pods (the instance and channel type read from their labels). Pure: the pod as
// the kubelet reports it and an injected "now".
import { labels } from '../../api/index.ts';
import type { V1Pod } from '../../kube/index.ts';
import { formatAge } from './format-age.ts';
import { cellText, type Column, type RowRenderer } from './row-renderer.ts';

/** The client returns list items with Date timestamps and watch objects with strings. */
function podAge(pod: V1Pod, now: Date): string {
  const created = pod.metadata?.creationTimestamp as Date | string | undefined;
  return formatAge(created === undefined ? undefined : new Date(created).toISOString(), now);
}

/** kubectl's STATUS: a deleting pod, else the first waiting or ended container's reason, else the phase. */
export function podStatus(pod: V1Pod): string {
  if (pod.metadata?.deletionTimestamp) return 'Terminating';
  for (const status of pod.status?.containerStatuses ?? []) {
    const reason = status.state?.waiting?.reason ?? status.state?.terminated?.reason;
    if (reason) return reason;
  }
  return cellText(pod.status?.reason ?? pod.status?.phase);
}

export function podRestarts(pod: V1Pod): number {
  return [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])].reduce(
    (sum, status) => sum + status.restartCount,
    0,
  );
}

function podReady(pod: V1Pod): string {
  const statuses = pod.status?.containerStatuses ?? [];
  const total = pod.spec?.containers.length ?? statuses.length;
  return `${statuses.filter((s) => s.ready).length}/${total}`;
}

const podColumns: Column<V1Pod>[] = [
  { header: 'Ready', cell: podReady },
  { header: 'Status', cell: podStatus },
  { header: 'Restarts', cell: (p) => String(podRestarts(p)) },
  { header: 'Age', cell: podAge },
];

export const podRows: RowRenderer<V1Pod> = {
  columns: [
    { header: 'Component', cell: (p) => cellText(p.metadata?.labels?.[labels.component]) },
    ...podColumns,
  ],
};

export const channelPodRows: RowRenderer<V1Pod> = {
  columns: [
    { header: 'Instance', cell: (p) => cellText(p.metadata?.labels?.[labels.instance]) },
    { header: 'Channel', cell: (p) => cellText(p.metadata?.labels?.[labels.channel]) },
    ...podColumns,
  ],
};
