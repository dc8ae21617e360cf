// One admission request to one verdict: reads what the rules need (through AdmissionReads) and
// hands it to the pure rules. Kinds and operations without rules are admitted: the webhook's
// configurations decide what is sent here.
import { group, type AgentRun, type ClawSchedule } from '../api/index.ts';
import { admit, type AdmissionVerdict } from './admission-verdict.ts';
import { admitAgentRun, credentialSecretToReview } from './admit-agent-run.ts';
import { admitClawSchedule } from './admit-claw-schedule.ts';
import { mutateAgentRun, type JsonPatchOperation } from './mutate-agent-run.ts';
import type { AdmissionReads } from './admission-reads.ts';
import type { AdmissionRequest } from './admission-review.ts';

export async function reviewAdmission(
  request: AdmissionRequest,
  reads: AdmissionReads,
): Promise<AdmissionVerdict> {
  if (request.kind.group !== group) return admit;
  switch (request.kind.kind) {
    case 'AgentRun':
      // the spec is immutable: only a create says what a run will do
      return request.operation === 'CREATE' ? reviewAgentRun(request, reads) : admit;
    case 'ClawSchedule':
      return request.operation === 'CREATE' || request.operation === 'UPDATE'
        ? admitClawSchedule(request.object as ClawSchedule)
        : admit;
    default:
      return admit;
  }
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

async function reviewAgentRun(request: AdmissionRequest, reads: AdmissionReads): Promise<AdmissionVerdict> {
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
  return admitAgentRun({
    run,
    instance,
    policy,
    missingSkillPacks: skills.filter((_, index) => !skillsFound[index]),
    username: request.userInfo.username ?? 'the requester',
    ...(requesterMayGetSecret === undefined ? {} : { requesterMayGetSecret }),
  });
}
