// ClawSchedule (short names cs, sched): recurring AgentRuns, like a CronJob. Run names derive
// from the tick time, so a restart never creates one tick's run twice.
import { Type, type Static } from '@sinclair/typebox';
import { cronPattern } from './cron.ts';
import { celRules, conditions, dnsSubdomain, stringEnum, timestamp } from './schema-kit.ts';
import { taskMaxLength } from './agent-run.ts';
import type { KindDescriptor } from './kind-descriptor.ts';

export const scheduleTypes = ['heartbeat', 'scheduled', 'sweep'] as const;
export const concurrencyPolicies = ['Forbid', 'Allow', 'Replace'] as const;
export type ConcurrencyPolicy = (typeof concurrencyPolicies)[number];

export const clawScheduleSpecSchema = Type.Object({
  instanceRef: dnsSubdomain({ description: 'ClawInstance in this namespace.' }),
  schedule: Type.String({
    maxLength: 256,
    pattern: cronPattern,
    description:
      '5-field cron expression (minute hour day-of-month month day-of-week) or @hourly-style macro.',
  }),
  timeZone: Type.Optional(
    Type.String({
      maxLength: 64,
      pattern: '^[A-Za-z][A-Za-z0-9_+-]*(/[A-Za-z0-9_+-]+)*$',
      description: 'IANA time zone of the schedule (default UTC).',
    }),
  ),
  task: Type.String({ minLength: 1, maxLength: taskMaxLength }),
  type: Type.Optional(stringEnum(scheduleTypes, { default: 'scheduled' })),
  suspend: Type.Optional(Type.Boolean({ default: false })),
  concurrencyPolicy: Type.Optional(stringEnum(concurrencyPolicies, { default: 'Forbid' })),
  includeMemory: Type.Optional(Type.Boolean({ default: true })),
  startingDeadlineSeconds: Type.Optional(
    Type.Integer({ minimum: 1, description: 'A tick missed by more than this is skipped.' }),
  ),
  successfulRunsHistoryLimit: Type.Optional(Type.Integer({ minimum: 0, maximum: 1000, default: 3 })),
  failedRunsHistoryLimit: Type.Optional(Type.Integer({ minimum: 0, maximum: 1000, default: 1 })),
});

export const schedulePhases = ['Active', 'Suspended', 'Error'] as const;

export const clawScheduleStatusSchema = Type.Object({
  observedGeneration: Type.Optional(Type.Integer({ minimum: 0 })),
  phase: Type.Optional(stringEnum(schedulePhases)),
  lastRunTime: Type.Optional(timestamp()),
  nextRunTime: Type.Optional(timestamp()),
  lastRunName: Type.Optional(Type.String({ maxLength: 253 })),
  totalRuns: Type.Optional(Type.Integer({ minimum: 0 })),
  activeRuns: Type.Optional(Type.Array(Type.String({ maxLength: 253 }), { maxItems: 1000 })),
  conditions: Type.Optional(conditions()),
});

export type ClawScheduleSpec = Static<typeof clawScheduleSpecSchema>;
export type ClawScheduleStatus = Static<typeof clawScheduleStatusSchema>;

export const clawScheduleKind: KindDescriptor = {
  kind: 'ClawSchedule',
  plural: 'clawschedules',
  singular: 'clawschedule',
  shortNames: ['cs', 'sched'],
  description: 'Recurring agent runs on a cron schedule, with CronJob-style concurrency policies.',
  spec: clawScheduleSpecSchema,
  status: clawScheduleStatusSchema,
  // run names are <schedule>-<tick minutes since epoch> (up to 10 digits) and must fit 63 characters
  rootRules: celRules({
    rule: 'self.metadata.name.size() <= 52',
    message: 'metadata.name must be at most 52 characters (run names derive from it)',
  }),
  printerColumns: [
    { name: 'Instance', type: 'string', jsonPath: '.spec.instanceRef' },
    { name: 'Schedule', type: 'string', jsonPath: '.spec.schedule' },
    { name: 'Type', type: 'string', jsonPath: '.spec.type' },
    { name: 'Suspend', type: 'boolean', jsonPath: '.spec.suspend' },
    { name: 'Last Run', type: 'date', jsonPath: '.status.lastRunTime' },
    // a string, not a date: kubectl renders future dates as <invalid> ages
    { name: 'Next Run', type: 'string', jsonPath: '.status.nextRunTime' },
    { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
  ],
};
