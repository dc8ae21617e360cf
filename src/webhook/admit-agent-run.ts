// Admission of a new AgentRun, pure: given the run, the objects it names (as the webhook read
// them) and whether the requester may read the credentials the run would redirect, decide. What a
// run may do is decided by resolveEffectiveRun, the code the controller runs again before it
// creates the Job; this module only explains, at the door, why a run would not get what it asks.
// The requester's right on a redirected Secret is its own: only the webhook knows who asks.
import type { AgentRun, ClawInstance, ClawPolicy } from '../api/index.ts';
import {
  agentTools,
  resolveEffectiveRun,
  toolFeatureGates,
  toolGatingAction,
  type AgentTool,
} from '../orchestrator/index.ts';
import { admit, refuse, type AdmissionVerdict } from './admission-verdict.ts';
import { inheritsParentModelOverride } from './inherited-model-override.ts';

export interface AgentRunAdmission {
  run: AgentRun;
  /** The ClawInstance of spec.instanceRef, undefined when it does not exist. */
  instance: ClawInstance | undefined;
  /** The instance's ClawPolicy, undefined when it has none or it does not exist. */
  policy: ClawPolicy | undefined;
  /** SkillPacks named by spec.skills that do not exist. */
  missingSkillPacks: string[];
  /** The requesting user, as the admission request names them. */
  username: string;
  /**
   * Whether the requester may `get` the Secret of `credentialSecretToReview` (undefined when
   * there is none to review).
   */
  requesterMayGetSecret?: boolean;
  /** For a sub-agent run: the run its spec.parent names, as read now (undefined: none, or not read). */
  parent?: AgentRun;
  /** The controller's user: the creator of sub-agent runs, which inherit their parent's override. */
  controllerUsername?: string;
}

/**
 * The Secret whose contents a run's overrides would send somewhere the instance did not choose:
 * the run's own authSecretRef, or the instance's when only the endpoint is overridden. Undefined
 * when the run overrides neither, or when no credentials would be sent.
 */
export function credentialSecretToReview(run: AgentRun, instance: ClawInstance): string | undefined {
  const model = run.spec.model ?? {};
  if (model.authSecretRef === undefined && model.baseURL === undefined) return undefined;
  return (model.authSecretRef ?? instance.spec.agents.default.authSecretRef)?.name;
}

export function admitAgentRun(input: AgentRunAdmission): AdmissionVerdict {
  const { run, instance, policy } = input;
  const name = `AgentRun ${run.metadata.name}`;
  const namespace = run.metadata.namespace ?? '';
  if (!instance) {
    return refuse(
      `${name} is refused: spec.instanceRef names ClawInstance ${run.spec.instanceRef}, which does not exist in namespace ${namespace}.`,
    );
  }
  if (instance.metadata.deletionTimestamp) {
    return refuse(
      `${name} is refused: spec.instanceRef names ClawInstance ${run.spec.instanceRef}, which is being deleted.`,
    );
  }
  const [missingPack] = input.missingSkillPacks;
  if (missingPack !== undefined) {
    return refuse(
      `${name} is refused: spec.skills names SkillPack ${missingPack}, which does not exist in namespace ${namespace}.`,
    );
  }

  const resolved = resolveEffectiveRun(run, instance, policy);
  if (!resolved.ok) return refuse(`${name} is refused: ${resolved.message}.`);

  const toolProblem = refusedAllowedTool(run, instance, policy);
  if (toolProblem) return refuse(`${name} is refused: ${toolProblem}.`);

  const secret = credentialSecretToReview(run, instance);
  const inherited = () =>
    inheritsParentModelOverride({
      run,
      parent: input.parent,
      username: input.username,
      controllerUsername: input.controllerUsername,
    });
  if (secret !== undefined && input.requesterMayGetSecret !== true && !inherited()) {
    const field = run.spec.model?.authSecretRef ? 'spec.model.authSecretRef' : 'spec.model.baseURL';
    const what =
      field === 'spec.model.authSecretRef'
        ? `overrides the model credentials with Secret ${secret}`
        : `overrides the model endpoint, which would receive the credentials of Secret ${secret}`;
    return refuse(
      `${name} is refused: ${field} ${what}, and user ${input.username} may not get that Secret.`,
    );
  }
  return admit;
}

/**
 * The first tool of spec.toolPolicy.allow the run would not be offered, with why. The run's allow
 * list only narrows, so the tools it would get without that list are the ones it may name.
 */
function refusedAllowedTool(
  run: AgentRun,
  instance: ClawInstance,
  policy: ClawPolicy | undefined,
): string | undefined {
  const allow = run.spec.toolPolicy?.allow;
  if (!allow || allow.length === 0) return undefined;
  const { allow: _allow, ...restOfPolicy } = run.spec.toolPolicy ?? {};
  const unnarrowed: AgentRun = { ...run, spec: { ...run.spec, toolPolicy: restOfPolicy } };
  const resolved = resolveEffectiveRun(unnarrowed, instance, policy);
  if (!resolved.ok) return resolved.message;
  const offered = new Set<string>(resolved.effective.tools);
  const policyName = policy ? `ClawPolicy ${policy.metadata.name}` : undefined;
  for (const tool of allow) {
    if (typeof tool !== 'string' || offered.has(tool)) continue;
    if (!isAgentTool(tool)) {
      return `spec.toolPolicy.allow lists ${tool}, which is not a K8sClaw tool`;
    }
    const gate = toolFeatureGates[tool];
    if (!resolved.effective.featureGates[gate]) {
      return policyName
        ? `spec.toolPolicy.allow lists ${tool}, whose feature gate ${gate} is off in ${policyName}`
        : `spec.toolPolicy.allow lists ${tool}, whose feature gate ${gate} is off by default and instance ${instance.metadata.name} has no ClawPolicy to turn it on`;
    }
    if (toolGatingAction(policy, tool) === 'deny') {
      return `spec.toolPolicy.allow lists ${tool}, which ${policyName} denies (spec.toolGating)`;
    }
    return `spec.toolPolicy.allow lists ${tool}, which this run's pod cannot serve under ${policyName ?? 'its instance'} (it needs the sandbox, memory, spawn depth or a channel chat it lacks)`;
  }
  return undefined;
}

function isAgentTool(tool: string): tool is AgentTool {
  return (agentTools as readonly string[]).includes(tool);
}
