// ClawPolicy status (pure): which ClawInstances of the namespace name this policy.
import {
  conditionTypes,
  reasons,
  type ClawInstance,
  type ClawPolicy,
  type ClawPolicyStatus,
} from '../../api/index.ts';
import { setCondition } from '../status-conditions.ts';

export function planPolicyStatus(
  policy: ClawPolicy,
  instances: readonly ClawInstance[],
  now: Date,
): ClawPolicyStatus {
  const bound = instances
    .filter(
      (i) => i.metadata.namespace === policy.metadata.namespace && i.spec.policyRef === policy.metadata.name,
    )
    .map((i) => i.metadata.name)
    .sort();
  const generation = policy.metadata.generation;
  return {
    ...(generation !== undefined ? { observedGeneration: generation } : {}),
    boundInstances: bound.length,
    boundInstanceNames: bound,
    conditions: setCondition(
      policy.status?.conditions,
      {
        type: conditionTypes.ready,
        status: 'True',
        reason: reasons.reconciled,
        message:
          bound.length === 0 ? 'not used by any ClawInstance' : `bound to ${bound.length} ClawInstance(s)`,
      },
      now,
      generation,
    ),
  };
}
