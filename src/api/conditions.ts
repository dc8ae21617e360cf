// Condition types and reasons (PascalCase constants) written into the status of every kind.

export const conditionTypes = {
  ready: 'Ready',
  scheduled: 'Scheduled',
  running: 'Running',
  completed: 'Completed',
  /** The run's result (from the bus or the termination message) is in its status. */
  resultRecorded: 'ResultRecorded',
  memoryReady: 'MemoryReady',
  channelsReady: 'ChannelsReady',
  configMapReady: 'ConfigMapReady',
  /**
   * Whether a chat run's reply reached its chat: written by the API server (its one status field)
   * from the channel's receipt, never by the controller.
   */
  replyDelivered: 'ReplyDelivered',
} as const;

export const reasons = {
  reconciled: 'Reconciled',
  instanceNotFound: 'InstanceNotFound',
  policyNotFound: 'PolicyNotFound',
  skillPackNotFound: 'SkillPackNotFound',
  policyViolation: 'PolicyViolation',
  invalidSpec: 'InvalidSpec',
  waitingForCapacity: 'WaitingForCapacity',
  jobCreated: 'JobCreated',
  podRunning: 'PodRunning',
  succeeded: 'Succeeded',
  failed: 'Failed',
  deadlineExceeded: 'DeadlineExceeded',
  waitingForResult: 'WaitingForResult',
  resultLost: 'ResultLost',
  jobLost: 'JobLost',
  cancelled: 'Cancelled',
  configMapConflict: 'ConfigMapNotOwned',
  memoryNotReady: 'MemoryNotReady',
  channelUnavailable: 'ChannelUnavailable',
  suspended: 'Suspended',
  invalidSchedule: 'InvalidSchedule',
  /** ReplyDelivered: the chat service took the reply. */
  delivered: 'Delivered',
  /** ReplyDelivered: the chat service refused the reply for good. */
  refused: 'Refused',
  /** ReplyDelivered: the channel gave up after its last delivery of the reply. */
  undeliverable: 'Undeliverable',
} as const;
