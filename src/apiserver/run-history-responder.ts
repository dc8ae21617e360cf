// Answers the history requests of runs with a session key: every API server replica serves them in
// one queue group, so one replica answers each. The answer is read fresh each time: the AgentRun
// (uid, instance and session key checked, see plan-history-reply), the instance's limits and the
// session's newest turns from PostgreSQL, this run's own messages left out. Agent pods never get
// database credentials; their bridge asks here over the bus with its run's own credentials.
import {
  agentRunKind,
  clawInstanceKind,
  group,
  version,
  type AgentRun,
  type ClawInstance,
  type RunHistoryReply,
  type RunIdentity,
} from '../api/index.ts';
import { whileConnected, type EventBus } from '../eventbus/index.ts';
import { undefinedIfNotFound, type KubeClient } from '../kube/index.ts';
import type { Logger } from '../observability/index.ts';
import { isSessionStoreUnavailable, type SessionStore } from '../session/index.ts';
import { planHistoryRequest, resolveHistoryLimits } from './plan-history-reply.ts';

export interface HistoryAnswerDeps {
  store: Pick<SessionStore, 'fetchHistory'>;
  kube: KubeClient;
  logger: Logger;
}

export interface RunHistoryResponderDeps extends HistoryAnswerDeps {
  connect: () => Promise<EventBus>;
  signal: AbortSignal;
  maxRetryDelayMs?: number;
}

async function getObject<T>(kube: KubeClient, plural: string, namespace: string, name: string) {
  return (await undefinedIfNotFound(
    kube.customObjects.getNamespacedCustomObject({ group, version, plural, namespace, name }),
  )) as T | undefined;
}

/** The reply to one run's request; failures that may mend are `Unavailable`, so the bridge asks again. */
export async function answerHistoryRequest(
  deps: HistoryAnswerDeps,
  identity: RunIdentity,
): Promise<RunHistoryReply> {
  const log = { namespace: identity.namespace, run: identity.run, runUid: identity.runUid };
  try {
    const run = await getObject<AgentRun>(deps.kube, agentRunKind.plural, identity.namespace, identity.run);
    const plan = planHistoryRequest(identity, run);
    if (!plan.ok) {
      deps.logger.info({ ...log, reason: plan.reason }, 'history request refused');
      return plan;
    }
    const instance = await getObject<ClawInstance>(
      deps.kube,
      clawInstanceKind.plural,
      identity.namespace,
      identity.instance,
    );
    const messages = await deps.store.fetchHistory(plan.session, {
      ...resolveHistoryLimits(instance),
      excludeRunUid: plan.excludeRunUid,
    });
    deps.logger.debug({ ...log, messages: messages.length }, 'history request answered');
    return { ok: true, messages: messages.map(({ role, content }) => ({ role, content })) };
  } catch (error) {
    // the database or the kube-apiserver is away: worth asking again shortly
    const message = isSessionStoreUnavailable(error)
      ? 'the session store is unavailable'
      : `the history could not be read: ${error instanceof Error ? error.message : String(error)}`;
    deps.logger.warn({ ...log, err: error }, 'history request not answered');
    return { ok: false, reason: 'Unavailable', message: message.slice(0, 1024) };
  }
}

/** Serves history requests until `signal` aborts; reconnects with backoff when the bus is lost. */
export async function runRunHistoryResponder(deps: RunHistoryResponderDeps): Promise<void> {
  const { logger, signal } = deps;
  await whileConnected({
    connect: deps.connect,
    signal,
    ...(deps.maxRetryDelayMs !== undefined ? { maxDelayMs: deps.maxRetryDelayMs } : {}),
    onLost: (error, retryInMs) =>
      logger.warn({ err: error, retryInMs }, 'event bus unavailable for history requests; retrying'),
    consume: async (bus) => {
      logger.info('answering history requests from the event bus');
      await bus.serveRunHistory(async (identity) => await answerHistoryRequest(deps, identity), {
        signal,
        onError: (error) => logger.warn({ err: error }, 'answering a history request failed'),
      });
    },
  });
}
