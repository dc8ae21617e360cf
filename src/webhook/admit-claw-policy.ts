// Admission of a ClawPolicy and of a ClawInstance (create and update), pure: a policy must agree
// with itself (its default sandbox image within its own allow-list; no gate turned on that nothing
// could honour: there is no browser tool, so browser-automation stays off), and a policy and the instances
// bound to it must leave those instances able to run at all. "Able to run" is asked of
// resolveEffectiveRun, the controller's own resolution, with a run that overrides nothing: a change
// that would refuse every run of a bound instance is refused now, naming the instance and why,
// instead of surfacing later as failed runs.
import { agentRunKind, apiVersion, type AgentRun, type ClawInstance, type ClawPolicy } from '../api/index.ts';
import { isImageAllowed, resolveEffectiveRun } from '../orchestrator/index.ts';
import { admit, refuse, type AdmissionVerdict } from './admission-verdict.ts';

/** A run of the instance that asks for nothing of its own: what every run of it starts from. */
export function plainRunOf(instance: ClawInstance): AgentRun {
  return {
    apiVersion,
    kind: agentRunKind.kind,
    metadata: { name: `${instance.metadata.name}-admission`, namespace: instance.metadata.namespace },
    spec: { instanceRef: instance.metadata.name, task: 'admission check' },
  } as AgentRun;
}

/** Why no run of `instance` could start under `policy`, or undefined when a plain run would. */
function whyNoRunStarts(instance: ClawInstance, policy: ClawPolicy): string | undefined {
  const resolved = resolveEffectiveRun(plainRunOf(instance), instance, policy);
  return resolved.ok ? undefined : resolved.message;
}

export function admitClawPolicy(
  policy: ClawPolicy,
  boundInstances: readonly ClawInstance[],
): AdmissionVerdict {
  const name = `ClawPolicy ${policy.metadata.name}`;
  if (policy.spec.featureGates?.['browser-automation'] === true) {
    return refuse(
      `${name} is refused: spec.featureGates browser-automation cannot be turned on, because K8sClaw has no browser tool yet.`,
    );
  }
  const { defaultImage, allowedImages } = policy.spec.sandboxPolicy ?? {};
  if (defaultImage !== undefined && allowedImages && !isImageAllowed(defaultImage, allowedImages)) {
    return refuse(
      `${name} is refused: spec.sandboxPolicy.defaultImage ${defaultImage} is not in its own spec.sandboxPolicy.allowedImages.`,
    );
  }
  for (const instance of boundInstances) {
    const problem = whyNoRunStarts(instance, policy);
    if (problem) {
      return refuse(
        `${name} is refused: no run of ClawInstance ${instance.metadata.name}, which it governs, could start under it: ${problem}.`,
      );
    }
  }
  return admit;
}

/**
 * An instance whose policy does not exist yet is admitted (objects applied together arrive in any
 * order; the instance reports the missing policy in its status): only an existing policy is judged.
 */
export function admitClawInstance(instance: ClawInstance, policy: ClawPolicy | undefined): AdmissionVerdict {
  if (!policy) return admit;
  const problem = whyNoRunStarts(instance, policy);
  if (!problem) return admit;
  return refuse(
    `ClawInstance ${instance.metadata.name} is refused: no run of it could start under ClawPolicy ${policy.metadata.name}: ${problem}.`,
  );
}
