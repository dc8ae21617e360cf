// The answers the controller sends into a parent's input (pure): the result of a finished child, or
// why a request was refused. Each has an id derived from the request, so a repeated answer (a
// redelivered completion, a restarted controller) is dropped by the bus and by the runner.
import {
  annotations,
  resultMaxLength,
  runEventLimits,
  type AgentRun,
  type RunIdentity,
  type RunInput,
  type RunResult,
  type SubagentAnswer,
} from '../../api/index.ts';
import { extractMemoryMarkers } from '../../orchestrator/index.ts';

/** The input id of the answer to one request. */
export const subagentAnswerId = (requestId: string): string => `subagent-${requestId}`;

export function buildRefusalInput(requestId: string, message: string, now: Date): RunInput {
  const error = cut(message, runEventLimits.error);
  return answerInput({ requestId, status: 'refused', error }, `sub-agent request refused: ${error}`, now);
}

/**
 * Where a child's answer goes and what it says; undefined for a run that is no sub-agent (or whose
 * parent cannot be named: no owner uid, no request id).
 */
export function planChildAnswer(
  child: AgentRun,
  result: RunResult,
  now: Date,
): { parent: RunIdentity; input: RunInput } | undefined {
  const parentName = child.spec.parent?.runName;
  const requestId = child.metadata.annotations?.[annotations.subagentRequest];
  const owner = (child.metadata.ownerReferences ?? []).find(
    (ref) => ref.kind === 'AgentRun' && ref.name === parentName,
  );
  if (!parentName || !requestId || !owner) return undefined;
  const name = child.metadata.name;
  // memory markers are the child's instruction to the controller, not part of its answer
  const response = cut(extractMemoryMarkers(result.response ?? '').cleaned, resultMaxLength);
  const answer: SubagentAnswer =
    result.status === 'succeeded'
      ? { requestId, status: 'succeeded', run: name, response }
      : {
          requestId,
          status: 'failed',
          run: name,
          error: cut(result.error ?? 'the sub-agent run failed', runEventLimits.error),
          ...(response ? { response } : {}),
        };
  return {
    parent: {
      namespace: child.metadata.namespace,
      instance: child.spec.instanceRef,
      run: parentName,
      runUid: owner.uid,
    },
    input: answerInput(answer, `sub-agent run ${name} ${answer.status}`, now),
  };
}

/**
 * The answer for a child that ends now without a result from the bus (cancelled, its Job lost or
 * out of time, refused at admission): the result taken from its termination message when there is
 * one, else its failure. Undefined when the completion consumer answers instead (the result came
 * from the bus) or the run is no sub-agent.
 */
export function planEndedChildAnswer(
  child: AgentRun,
  ending: { phase?: string; error?: string; fallback?: RunResult; resultFromBus: boolean },
  now: Date,
): { parent: RunIdentity; input: RunInput } | undefined {
  if (ending.resultFromBus || (ending.phase !== 'Succeeded' && ending.phase !== 'Failed')) return undefined;
  const result: RunResult = ending.fallback ?? {
    status: 'failed',
    error: ending.error ?? 'the sub-agent run ended without a result',
    usage: { input: 0, output: 0 },
    toolCalls: 0,
    memoryUpdates: [],
  };
  return planChildAnswer(child, result, now);
}

function answerInput(answer: SubagentAnswer, text: string, now: Date): RunInput {
  return {
    id: subagentAnswerId(answer.requestId),
    time: now.toISOString(),
    text,
    sender: 'k8sclaw-controller',
    subagent: answer,
  };
}

function cut(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
