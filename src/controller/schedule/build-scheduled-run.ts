// The AgentRun a ClawSchedule creates for one tick. Pure: the reconciler applies it. The run carries
// the schedule's instance and task; the schedule's `includeMemory` and `type` travel as annotations
// (AgentRun's spec has no field for them), and the tick as `scheduled-at`, which is how a restarted
// controller learns the last tick it served.
import {
  annotations,
  apiVersion,
  K8sClawError,
  labels,
  labelValues,
  type AgentRun,
  type ClawSchedule,
} from '../../api/index.ts';

export function buildScheduledRun(schedule: ClawSchedule, name: string, tick: Date): AgentRun {
  const { metadata, spec } = schedule;
  if (!metadata.uid) {
    throw new K8sClawError(
      'ScheduleWithoutUid',
      `ClawSchedule ${metadata.namespace}/${metadata.name} has no uid: read it from the apiserver before creating runs`,
    );
  }
  return {
    apiVersion,
    kind: 'AgentRun',
    metadata: {
      name,
      namespace: metadata.namespace,
      labels: {
        [labels.schedule]: metadata.name,
        [labels.managedBy]: labelValues.managedBy,
        [labels.partOf]: labelValues.partOf,
      },
      annotations: {
        [annotations.scheduledAt]: tick.toISOString(),
        [annotations.includeMemory]: String(spec.includeMemory ?? true),
        [annotations.scheduleType]: spec.type ?? 'scheduled',
      },
      ownerReferences: [
        {
          apiVersion,
          kind: 'ClawSchedule',
          name: metadata.name,
          uid: metadata.uid,
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
    },
    spec: { instanceRef: spec.instanceRef, task: spec.task },
  };
}
