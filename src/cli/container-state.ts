// Whether a container of a pod has a log to read yet, and if not, why (for one sentence). Pure:
// reads the pod's status as the kubelet reports it. Native sidecars report as init containers.
import type { V1Pod } from '../kube/index.ts';

export type ContainerState = { started: true } | { started: false; reason: string };

export function describeContainerState(pod: V1Pod, container: string): ContainerState {
  const statuses = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];
  const status = statuses.find((s) => s.name === container);
  if (status?.state?.running || status?.state?.terminated || status?.lastState?.terminated)
    return { started: true };
  const waiting = status?.state?.waiting?.reason;
  if (waiting) return { started: false, reason: `it is waiting: ${waiting}` };
  if (!pod.spec?.nodeName) return { started: false, reason: 'its pod is not on a node yet' };
  return { started: false, reason: `its pod is ${pod.status?.phase ?? 'Pending'}` };
}
