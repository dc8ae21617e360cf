// Sub-agents on the event bus: every replica consumes runs' spawn_subagent requests (creating the
// child AgentRun, or answering the parent with a refusal) and runs' completions (answering a
// child's parent with its result), each through one durable consumer, so each message is handled by
// one replica and redelivered until handled. Both answers go into the parent's run input, which its
// bridge hands to the waiting tool call. Reads are live (not cached): a child created a moment ago
// must be seen by the next request.
import {
  agentRunKind,
  clawInstanceKind,
  clawPolicyKind,
  resourceOf,
  type AgentRun,
  type ClawInstance,
  type ClawPolicy,
  type KindDescriptor,
  type RunEvent,
} from '../../api/index.ts';
import { whileConnected, type EventBus } from '../../eventbus/index.ts';
import {
  isAlreadyExists,
  KubeApiError,
  toKubeError,
  undefinedIfNotFound,
  type EventRecorder,
  type KubeClient,
} from '../../kube/index.ts';
import type { Logger } from '../../observability/index.ts';
import { recordRunResult } from '../run/record-result.ts';
import { buildRefusalInput, planChildAnswer } from './plan-answer.ts';
import { planSpawn } from './plan-spawn.ts';

export const subagentRequestConsumerName = 'k8sclaw-controller-subagent-requests';
export const subagentAnswerConsumerName = 'k8sclaw-controller-subagent-answers';

export interface SubagentServiceDeps {
  connect: () => Promise<EventBus>;
  kube: KubeClient;
  recorder: EventRecorder;
  now: () => Date;
  logger: Logger;
  signal: AbortSignal;
  maxRetryDelayMs?: number;
}

export async function runSubagentService(deps: SubagentServiceDeps): Promise<void> {
  const { logger, signal } = deps;
  const options = {
    signal,
    onInvalid: (message: unknown) => logger.warn({ message }, 'ignored an invalid run event'),
    onHandlerError: (error: unknown, delivery: unknown) =>
      logger.warn({ err: error, delivery }, 'handling a sub-agent event failed; it will be retried'),
    onError: (error: unknown) => logger.warn({ err: error }, 'event bus consumer error'),
  };
  await whileConnected({
    connect: deps.connect,
    signal,
    ...(deps.maxRetryDelayMs !== undefined ? { maxDelayMs: deps.maxRetryDelayMs } : {}),
    onLost: (error, retryInMs) => logger.warn({ err: error, retryInMs }, 'event bus unavailable; retrying'),
    ready: (bus) => bus.ensureStreams({ signal }),
    consume: async (bus) => {
      logger.info({}, 'consuming sub-agent requests and results from the event bus');
      await Promise.all([
        bus.consumeSubagentRequests(
          subagentRequestConsumerName,
          (event) => handleRequest(deps, bus, event),
          options,
        ),
        bus.consumeCompletedEvents(
          subagentAnswerConsumerName,
          (event) => answerParent(deps, bus, event),
          options,
        ),
      ]);
    },
  });
}

async function handleRequest(deps: SubagentServiceDeps, bus: EventBus, event: RunEvent): Promise<void> {
  if (event.body.type !== 'subagent_request') return;
  const { kube, logger } = deps;
  const requester = event.identity;
  const { namespace } = requester;
  const request = { requestId: event.body.requestId, task: event.body.task };
  const parent = await getCustom<AgentRun>(kube, agentRunKind, namespace, requester.run);
  const instance = parent
    ? await getCustom<ClawInstance>(kube, clawInstanceKind, namespace, parent.spec.instanceRef)
    : undefined;
  const policyRef = instance?.spec.policyRef;
  const policy = policyRef
    ? await getCustom<ClawPolicy>(kube, clawPolicyKind, namespace, policyRef)
    : undefined;
  const runs = (await kube.customObjects.listNamespacedCustomObject({
    ...resourceOf(agentRunKind),
    namespace,
  })) as { items: AgentRun[] };
  const plan = planSpawn({
    requester,
    request,
    ...(parent ? { parent } : {}),
    ...(instance ? { instance } : {}),
    ...(policy ? { policy } : {}),
    runs: runs.items,
  });
  const fields = { namespace, run: requester.run, requestId: request.requestId };
  switch (plan.kind) {
    case 'create': {
      try {
        await kube.customObjects.createNamespacedCustomObject({
          ...resourceOf(agentRunKind),
          namespace,
          body: plan.child,
        });
      } catch (error) {
        const refusal = creationRefusal(error);
        if (refusal === undefined) throw error;
        if (refusal !== 'exists') {
          await refuse(deps, bus, event, parent, `the child run was not admitted: ${refusal}`);
          return;
        }
      }
      const child = plan.child.metadata.name;
      logger.info({ ...fields, child }, 'sub-agent run created');
      if (parent) {
        await deps.recorder.record(parent, 'Normal', 'SubagentStarted', `sub-agent run ${child} created`);
      }
      return;
    }
    case 'exists':
      logger.info({ ...fields, child: plan.child.metadata.name }, 'sub-agent run already created');
      return;
    case 'refuse':
      await refuse(deps, bus, event, parent, plan.message);
      return;
    case 'ignore':
      logger.info({ ...fields, why: plan.why }, 'sub-agent request ignored');
      return;
  }
}

/** Answers the requester with a refusal, and records it on the parent for people. */
async function refuse(
  deps: SubagentServiceDeps,
  bus: EventBus,
  event: RunEvent,
  parent: AgentRun | undefined,
  message: string,
): Promise<void> {
  if (event.body.type !== 'subagent_request') return;
  const { requestId } = event.body;
  const { namespace, run } = event.identity;
  await bus.publishRunInput(event.identity, buildRefusalInput(requestId, message, deps.now()));
  deps.logger.info({ namespace, run, requestId, why: message }, 'sub-agent request refused');
  if (parent)
    await deps.recorder.record(parent, 'Warning', 'SubagentRefused', `sub-agent refused: ${message}`);
}

/**
 * What a failed create means: `exists` (an earlier delivery created it), the apiserver's reason when
 * it refused the child for good (admission, validation), or undefined for a failure worth a retry.
 */
function creationRefusal(error: unknown): string | undefined {
  if (isAlreadyExists(error)) return 'exists';
  const failure = toKubeError(error);
  if (!(failure instanceof KubeApiError)) return undefined;
  return [400, 403, 422].includes(failure.status) ? failure.message : undefined;
}

async function answerParent(deps: SubagentServiceDeps, bus: EventBus, event: RunEvent): Promise<void> {
  if (event.body.type !== 'completed') return;
  const { namespace, run, runUid } = event.identity;
  const child = await getCustom<AgentRun>(deps.kube, agentRunKind, namespace, run);
  if (!child?.spec.parent || child.metadata.uid !== runUid) return;
  const answer = planChildAnswer(child, event.body.result, deps.now());
  if (!answer) return;
  // recorded first (the result consumer may not have got to it yet; recording twice is harmless),
  // so a parent that has the answer finds the child ended when it asks for the next one
  await recordRunResult(
    { kube: deps.kube, now: deps.now },
    { namespace, name: run, uid: runUid },
    event.body.result,
    'event-bus',
  );
  await bus.publishRunInput(answer.parent, answer.input);
  deps.logger.info(
    { namespace, run, parent: answer.parent.run, status: answer.input.subagent?.status },
    'sub-agent result sent to its parent',
  );
}

function getCustom<T>(
  kube: KubeClient,
  kind: KindDescriptor,
  namespace: string,
  name: string,
): Promise<T | undefined> {
  return undefinedIfNotFound(
    kube.customObjects.getNamespacedCustomObject({ ...resourceOf(kind), namespace, name }) as Promise<T>,
  );
}
