// What the controller does with one spawn_subagent request (pure): create the child AgentRun, find
// the one an earlier delivery of the same request created, refuse it with a reason the parent's
// model can read, or ignore it when no parent waits for an answer. The policy rules are the
// evaluator's (resolveEffectiveRun for the feature gate, tool gating and maxDepth, on the parent
// and on the would-be child; subagentCapacityRefusal for maxChildrenPerAgent and maxConcurrent).
import { type AgentRun, type ClawInstance, type ClawPolicy, type RunIdentity } from '../../api/index.ts';
import {
  buildSubagentRun,
  resolveEffectiveRun,
  subagentCapacityRefusal,
  subagentRunName,
  type SubagentRequest,
} from '../../orchestrator/index.ts';
import { hasEnded, isOwnedBy } from './waiting-parent.ts';

export interface SpawnObservation {
  /** Who asked: stamped by the parent's bridge, bound to its subject by the bus. */
  requester: RunIdentity;
  request: SubagentRequest;
  /** The parent as the apiserver has it now (undefined: gone). */
  parent?: AgentRun;
  instance?: ClawInstance;
  policy?: ClawPolicy;
  /** Every AgentRun of the namespace (children are found among them by their spec.parent). */
  runs: readonly AgentRun[];
}

export type SpawnPlan =
  | { kind: 'create'; child: AgentRun }
  | { kind: 'exists'; child: AgentRun }
  | { kind: 'refuse'; message: string }
  | { kind: 'ignore'; why: string };

export function planSpawn(observation: SpawnObservation): SpawnPlan {
  const { requester, request, parent, instance } = observation;
  if (!parent || parent.metadata.uid !== requester.runUid) {
    return { kind: 'ignore', why: `run ${requester.run} (uid ${requester.runUid}) is gone` };
  }
  const name = subagentRunName(parent.metadata.name, request.requestId);
  const existing = observation.runs.find((run) => run.metadata.name === name);
  if (existing) {
    return isOwnedBy(existing, parent)
      ? { kind: 'exists', child: existing }
      : { kind: 'refuse', message: `an AgentRun named ${name} exists and is not a sub-agent of this run` };
  }
  // nobody would read the child's answer: answered, so a runner still winding down is told too
  if (hasEnded(parent)) {
    return { kind: 'refuse', message: `run ${parent.metadata.name} has ended: it starts no more sub-agents` };
  }
  if (parent.spec.instanceRef !== requester.instance) {
    return { kind: 'ignore', why: `run ${parent.metadata.name} is not of instance ${requester.instance}` };
  }
  if (!instance) return { kind: 'refuse', message: `instance ${parent.spec.instanceRef} not found` };

  const resolvedParent = resolveEffectiveRun(parent, instance, observation.policy);
  if (!resolvedParent.ok) return { kind: 'refuse', message: resolvedParent.message };
  const effective = resolvedParent.effective;
  if (!effective.tools.includes('spawn_subagent')) {
    const depthLeft = effective.spawnDepth < effective.subagents.maxDepth;
    return {
      kind: 'refuse',
      message: depthLeft
        ? `spawn_subagent is not among the tools of run ${parent.metadata.name} (feature gate, tool gating or the run's tool policy)`
        : `run ${parent.metadata.name} is at spawn depth ${effective.spawnDepth}, the maximum depth ${effective.subagents.maxDepth}: its sub-agents may not spawn further`,
    };
  }
  const child = buildSubagentRun(parent, request, {
    canSpawn: effective.spawnDepth + 1 < effective.subagents.maxDepth,
  });
  const resolvedChild = resolveEffectiveRun(child, instance, observation.policy);
  if (!resolvedChild.ok) return { kind: 'refuse', message: resolvedChild.message };

  const subagents = observation.runs.filter(
    (run) =>
      run.spec.parent !== undefined && run.spec.instanceRef === instance.metadata.name && !hasEnded(run),
  );
  const busy = subagentCapacityRefusal(resolvedChild.effective.subagents, {
    parentName: parent.metadata.name,
    instanceName: instance.metadata.name,
    childrenOfParent: subagents.filter((run) => isOwnedBy(run, parent)).length,
    subagentsOfInstance: subagents.length,
  });
  if (busy) return { kind: 'refuse', message: `${busy}; wait for one to finish` };
  return { kind: 'create', child };
}
