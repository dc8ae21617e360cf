// The K8sClaw objects as they travel over the API: metadata plus the kind's spec and status.
// Only the metadata fields K8sClaw reads or writes are typed.
import type { AgentRunSpec, AgentRunStatus } from './agent-run.ts';
import type { ClawInstanceSpec, ClawInstanceStatus } from './claw-instance.ts';
import type { ClawPolicySpec, ClawPolicyStatus } from './claw-policy.ts';
import type { ClawScheduleSpec, ClawScheduleStatus } from './claw-schedule.ts';
import type { SkillPackSpec, SkillPackStatus } from './skill-pack.ts';

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export interface ObjectMeta {
  name: string;
  /** Asks the API server to name a new object: this prefix and a random suffix. */
  generateName?: string;
  namespace: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  finalizers?: string[];
  ownerReferences?: OwnerReference[];
}

export interface K8sClawObject<Kind extends string, Spec, Status> {
  apiVersion: string;
  kind: Kind;
  metadata: ObjectMeta;
  spec: Spec;
  status?: Status;
}

export type ClawInstance = K8sClawObject<'ClawInstance', ClawInstanceSpec, ClawInstanceStatus>;
export type AgentRun = K8sClawObject<'AgentRun', AgentRunSpec, AgentRunStatus>;
export type ClawPolicy = K8sClawObject<'ClawPolicy', ClawPolicySpec, ClawPolicyStatus>;
export type SkillPack = K8sClawObject<'SkillPack', SkillPackSpec, SkillPackStatus>;
export type ClawSchedule = K8sClawObject<'ClawSchedule', ClawScheduleSpec, ClawScheduleStatus>;

/** metav1.Condition */
export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  observedGeneration?: number;
  lastTransitionTime: string;
  reason: string;
  message: string;
}
