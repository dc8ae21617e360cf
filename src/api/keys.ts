// Label, annotation and finalizer keys shared by every component, and the field-manager names of
// each writer (one writer per field, see the architecture page).
import { group } from './version.ts';

export const labels = {
  managedBy: 'app.kubernetes.io/managed-by',
  partOf: 'app.kubernetes.io/part-of',
  component: 'app.kubernetes.io/component',
  instance: `${group}/instance`,
  run: `${group}/run`,
  schedule: `${group}/schedule`,
  skillPack: `${group}/skillpack`,
  channel: `${group}/channel`,
  /** On a sub-agent run: the run that spawned it (lists a run's children). */
  parentRun: `${group}/parent-run`,
} as const;

export const labelValues = { managedBy: 'k8sclaw', partOf: 'k8sclaw' } as const;

export const annotations = {
  /** The tick a ClawSchedule created a run for (RFC 3339). */
  scheduledAt: `${group}/scheduled-at`,
  /** Set on runs whose memory is injected by the runner. */
  includeMemory: `${group}/include-memory`,
  /** The ClawSchedule type (heartbeat, scheduled, sweep) of a scheduled run. */
  scheduleType: `${group}/schedule-type`,
  /** The user who created a run through the K8sClaw API server (which writes as itself). */
  requestedBy: `${group}/requested-by`,
  /** The user who cancelled a run through the API server, and when (RFC 3339). */
  cancelledBy: `${group}/cancelled-by`,
  cancelledAt: `${group}/cancelled-at`,
  /** A run created from a chat message: the channel type, and the bus message id it came from. */
  channel: `${group}/channel`,
  channelMessage: `${group}/channel-message`,
  /** Where its reply goes: the chat, the thread within it, and the message it answers. */
  channelChat: `${group}/channel-chat`,
  channelThread: `${group}/channel-thread`,
  channelReplyTo: `${group}/channel-reply-to`,
  /** On a sub-agent run: the id of the spawn_subagent request it answers. */
  subagentRequest: `${group}/subagent-request`,
} as const;

export const finalizers = {
  instance: `${group}/instance-cleanup`,
} as const;

export const fieldManagers = {
  cli: 'k8sclaw-cli',
  installer: 'k8sclaw-installer',
  apiServer: 'k8sclaw-apiserver',
  controller: (kind: string) => `k8sclaw-controller/${kind}`,
} as const;
