// The child AgentRun a spawn_subagent request asks for (pure). The child runs on its parent's
// instance (and so under its policy), one level deeper, with the parent's model, tool, sandbox and
// skill overrides, so a sub-agent never gets what its parent was not given. It is owned by its
// parent: deleting the parent deletes its children.
import {
  agentRunKind,
  annotations,
  apiVersion,
  labels,
  type AgentRun,
  type AgentRunSpec,
} from '../api/index.ts';
import { buildOwnerReference } from './build-owner-reference.ts';
import { subagentRunName } from './child-names.ts';

export interface SubagentRequest {
  requestId: string;
  task: string;
}

export interface SubagentRunOptions {
  /**
   * Whether the child has spawn depth left. When it has none, spawn_subagent is taken out of an
   * allow list inherited from the parent: admission refuses a run whose allow list names a tool
   * its pod cannot serve.
   */
  canSpawn: boolean;
}

export function buildSubagentRun(
  parent: AgentRun,
  request: SubagentRequest,
  options: SubagentRunOptions,
): AgentRun {
  const { spec } = parent;
  const toolPolicy = spec.toolPolicy ? structuredClone(spec.toolPolicy) : undefined;
  if (toolPolicy?.allow && !options.canSpawn) {
    toolPolicy.allow = toolPolicy.allow.filter((tool) => tool !== 'spawn_subagent');
  }
  const childSpec: AgentRunSpec = {
    instanceRef: spec.instanceRef,
    task: request.task,
    parent: {
      runName: parent.metadata.name,
      ...(spec.sessionKey !== undefined ? { sessionKey: spec.sessionKey } : {}),
      spawnDepth: (spec.parent?.spawnDepth ?? 0) + 1,
    },
    ...(spec.agentId !== undefined ? { agentId: spec.agentId } : {}),
    ...(spec.model !== undefined ? { model: structuredClone(spec.model) } : {}),
    ...(spec.skills !== undefined ? { skills: [...spec.skills] } : {}),
    ...(toolPolicy !== undefined ? { toolPolicy } : {}),
    ...(spec.sandbox !== undefined ? { sandbox: structuredClone(spec.sandbox) } : {}),
    ...(spec.cleanup !== undefined ? { cleanup: spec.cleanup } : {}),
    ...(spec.ttlSecondsAfterFinished !== undefined
      ? { ttlSecondsAfterFinished: spec.ttlSecondsAfterFinished }
      : {}),
  };
  return {
    apiVersion,
    kind: agentRunKind.kind,
    metadata: {
      name: subagentRunName(parent.metadata.name, request.requestId),
      namespace: parent.metadata.namespace,
      labels: { [labels.parentRun]: parent.metadata.name },
      annotations: { [annotations.subagentRequest]: request.requestId },
      ownerReferences: [buildOwnerReference({ kind: agentRunKind.kind, metadata: parent.metadata })],
    },
    spec: childSpec,
  } as AgentRun;
}
