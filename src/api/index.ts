// Public surface of the API component: the kinds of k8sclaw.io/v1alpha1, their types, the CRD
// builder, keys, conditions and shared validation.
export * from './version.ts';
export * from './errors.ts';
export * from './keys.ts';
export * from './conditions.ts';
export * from './cron.ts';
export * from './kind-descriptor.ts';
export * from './crd.ts';
export * from './kinds.ts';
export * from './validation.ts';
export * from './agent-settings.ts';
export * from './claw-instance.ts';
export * from './agent-run.ts';
export * from './claw-policy.ts';
export * from './skill-pack.ts';
export * from './claw-schedule.ts';
export * from './objects.ts';
export * from './event-stream-protocols.ts';
export * from './run-events.ts';
export * from './run-history.ts';
export * from './channel-messages.ts';
