// The five kinds of k8sclaw.io/v1alpha1, in the order manifests list them.
import { agentRunKind } from './agent-run.ts';
import { clawInstanceKind } from './claw-instance.ts';
import { clawPolicyKind } from './claw-policy.ts';
import { clawScheduleKind } from './claw-schedule.ts';
import { skillPackKind } from './skill-pack.ts';
import type { KindDescriptor } from './kind-descriptor.ts';
import { group, version } from './version.ts';

export const kinds: readonly KindDescriptor[] = [
  clawInstanceKind,
  agentRunKind,
  clawPolicyKind,
  skillPackKind,
  clawScheduleKind,
];

export function findKind(kind: string): KindDescriptor | undefined {
  return kinds.find(
    (k) => k.kind === kind || k.plural === kind || k.singular === kind || k.shortNames.includes(kind),
  );
}

/** Where a kind lives in the API: what informers watch and status writes address. */
export function resourceOf(kind: KindDescriptor) {
  return { group, version, plural: kind.plural, apiVersion: `${group}/${version}`, kind: kind.kind };
}
