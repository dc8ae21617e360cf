// One admission request to one verdict: reads what the rules need (through AdmissionReads) and
// hands it to the pure rules. Kinds and operations without rules are admitted: the webhook's
// configurations decide what is sent here.
import {
  group,
  type AgentRun,
  type ClawInstance,
  type ClawPolicy,
  type ClawSchedule,
  type SkillPack,
} from '../api/index.ts';
import { admit, type AdmissionVerdict } from './admission-verdict.ts';
import { admitAgentRun, credentialSecretToReview } from './admit-agent-run.ts';
import { admitClawInstance, admitClawPolicy } from './admit-claw-policy.ts';
import { admitClawSchedule } from './admit-claw-schedule.ts';
import { admitSkillPack } from './admit-skill-pack.ts';
import { mutateAgentRun, type JsonPatchOperation } from './mutate-agent-run.ts';
import type { AdmissionReads } from './admission-reads.ts';
import type { AdmissionRequest } from './admission-review.ts';

export interface ReviewOptions {
  /** The controller's user, which creates sub-agent runs (see inherited-model-override.ts). */
  controllerUsername?: string;
}

export async function reviewAdmission(
  request: AdmissionRequest,
  reads: AdmissionReads,
  options: ReviewOptions = {},
): Promise<AdmissionVerdict> {
  if (request.kind.group !== group) return admit;
  if (request.kind.kind === 'AgentRun') {
    // the spec is immutable: only a create says what a run will do
    return request.operation === 'CREATE' ? reviewAgentRun(request, reads, options) : admit;
  }
  // an update that leaves the spec alone (a finalizer released, a label) changes nothing to judge,
  // and must pass even when what the spec refers to has changed since (uninstall strips finalizers)
  if (!changesSpec(request)) return admit;
  const namespace = request.namespace ?? '';
  switch (request.kind.kind) {
    case 'ClawSchedule':
      return admitClawSchedule(request.object as ClawSchedule);
    case 'SkillPack':
      return admitSkillPack(request.object as SkillPack);
    case 'ClawPolicy': {
      const policy = request.object as ClawPolicy;
      return admitClawPolicy(policy, await reads.instancesBoundTo(namespace, policy.metadata.name));
    }
    case 'ClawInstance': {
      const instance = request.object as ClawInstance;
      const policyRef = instance.spec.policyRef;
      const policy = policyRef === undefined ? undefined : await reads.policy(namespace, policyRef);
      return admitClawInstance(instance, policy);
    }
    default:
      return admit;
  }
}

/** A create, or an update whose spec differs from the stored one; never a delete. */
function changesSpec(request: AdmissionRequest): boolean {
  if (request.operation === 'CREATE') return true;
  if (request.operation !== 'UPDATE') return false;
  const specOf = (object: unknown) => JSON.stringify((object as { spec?: unknown } | undefined)?.spec);
  return specOf(request.object) !== specOf(request.oldObject);
}

/** The changes a new object gets before it is validated and stored (only AgentRun has any). */
export async function reviewMutation(
  request: AdmissionRequest,
  reads: AdmissionReads,
): Promise<JsonPatchOperation[]> {
  if (request.kind.group !== group || request.kind.kind !== 'AgentRun' || request.operation !== 'CREATE') {
    return [];
  }
  const run = request.object as AgentRun;
  const namespace = request.namespace ?? run.metadata.namespace ?? '';
  const instance = await reads.instance(namespace, run.spec.instanceRef);
  const policyRef = instance?.spec.policyRef;
  const policy = policyRef === undefined ? undefined : await reads.policy(namespace, policyRef);
  return mutateAgentRun(run, instance, policy);
}

async function reviewAgentRun(
  request: AdmissionRequest,
  reads: AdmissionReads,
  options: ReviewOptions,
): Promise<AdmissionVerdict> {
  const run = request.object as AgentRun;
  const namespace = request.namespace ?? run.metadata.namespace ?? '';
  // generateName: the name is not known yet, and the sentence still needs one
  run.metadata = {
    ...run.metadata,
    namespace,
    name: run.metadata.name ?? `${run.metadata.generateName ?? ''}…`,
  };
  const instance = await reads.instance(namespace, run.spec.instanceRef);
  const policyRef = instance?.spec.policyRef;
  const skills = (run.spec.skills ?? []).filter((name): name is string => typeof name === 'string');
  const [policy, skillsFound] = await Promise.all([
    policyRef === undefined ? undefined : reads.policy(namespace, policyRef),
    Promise.all(skills.map((name) => reads.skillPackExists(namespace, name))),
  ]);
  const secret = instance ? credentialSecretToReview(run, instance) : undefined;
  const requesterMayGetSecret =
    secret === undefined ? undefined : await reads.mayGetSecret(request.userInfo, namespace, secret);
  const username = request.userInfo.username ?? 'the requester';
  // a child the controller creates may carry its parent's override: read the parent to compare
  const parentName = run.spec.parent?.runName;
  const parent =
    requesterMayGetSecret === false && parentName !== undefined && username === options.controllerUsername
      ? await reads.run(namespace, parentName)
      : undefined;
  return admitAgentRun({
    run,
    instance,
    policy,
    missingSkillPacks: skills.filter((_, index) => !skillsFound[index]),
    username,
    ...(requesterMayGetSecret === undefined ? {} : { requesterMayGetSecret }),
    ...(parent ? { parent } : {}),
    ...(options.controllerUsername ? { controllerUsername: options.controllerUsername } : {}),
  });
}
