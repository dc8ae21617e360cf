// Stores every run event from the event bus in the session store, exactly once: one durable
// consumer shared by every API server replica hands each event to one of them, which writes it
// under its bus message id (a redelivery stores nothing new) and acknowledges only after the write
// committed. While PostgreSQL is unreachable the write fails, the event is negatively acknowledged
// with a growing delay and waits in JetStream. A `completed` event also records the run (condensed
// transcript and tokens, once per run uid) and its question and reply into its session; the
// session key and the question come from the run's AgentRun, read when the completion arrives. A
// `channel_message` event is handed on after it is stored, to be checked and posted to its chat.
import type { AgentRun, RunEvent } from '../api/index.ts';
import { whileConnected, type Delivery, type EventBus } from '../eventbus/index.ts';
import type { KubeClient } from '../kube/index.ts';
import type { Logger } from '../observability/index.ts';
import { SessionStoreError, sessionStoreErrorCodes, type SessionStore } from '../session/index.ts';
import { publishChannelReply } from './channel-reply-publisher.ts';
import { publishChannelSend } from './channel-send-publisher.ts';
import { fetchAgentRun } from './fetch-agent-run.ts';
import { findMissingSeqs, planCompletedRun, type RunOrigin } from './plan-run-record.ts';

/** The API server's durable consumer: its position survives restarts, and replicas share it. */
export const runEventRecorderName = 'k8sclaw-apiserver-run-events';

export type RunEventStore = Pick<
  SessionStore,
  'recordRunEvent' | 'listRunEvents' | 'recordRun' | 'appendMessage'
>;

export interface RecordRunEventDeps {
  store: RunEventStore;
  kube: KubeClient;
  logger: Logger;
  /**
   * Deliveries of a completion that wait for earlier events of its run still missing from the
   * store (redelivered out of order after an outage); after that the run is recorded with what is
   * there, since a rejected event leaves a gap for ever. The default (6: about 31 s of doubling
   * redelivery delays from 1 s) outlasts the consumer's 30 s ack wait, after which the events a
   * stopped replica held are delivered again.
   */
  completionWaitDeliveries?: number;
  /** Told once a completed run is recorded (again on a redelivery), with its AgentRun if it still exists. */
  onRunRecorded?: (completed: RunEvent, agentRun: AgentRun | undefined) => Promise<void>;
  /** Told of each stored `channel_message` event (again on a redelivery). */
  onChannelMessage?: (event: RunEvent) => Promise<void>;
}

export interface RunEventRecorderDeps extends RecordRunEventDeps {
  connect: () => Promise<EventBus>;
  /**
   * Publish the reply of each recorded run that came from a chat to its channel, and the messages
   * runs ask to post to their instance's chats (send_channel_message).
   */
  sendChannelReplies?: boolean;
  signal: AbortSignal;
  retryDelayMs?: number;
  maxRetryDelayMs?: number;
}

/** Events read at most for one transcript: a bound on the pages one completion reads. */
const maxTranscriptPages = 50;
const pageSize = 1000;

class EarlierEventsMissing extends Error {
  constructor(missing: number[]) {
    super(`earlier events of the run are not stored yet (seq ${missing.slice(0, 10).join(', ')})`);
  }
}

function originOf(agentRun: AgentRun | undefined): RunOrigin | undefined {
  if (agentRun === undefined) return undefined;
  return {
    task: agentRun.spec.task,
    ...(agentRun.spec.sessionKey !== undefined ? { sessionKey: agentRun.spec.sessionKey } : {}),
  };
}

async function listStoredEvents(store: RunEventStore, runUid: string): Promise<RunEvent[]> {
  const events: RunEvent[] = [];
  let afterSeq = 0;
  for (let page = 0; page < maxTranscriptPages; page += 1) {
    const batch = await store.listRunEvents(runUid, { afterSeq, limit: pageSize });
    events.push(...batch);
    const last = batch.at(-1);
    if (batch.length < pageSize || last === undefined) break;
    afterSeq = last.seq;
  }
  return events;
}

async function recordCompletedRun(
  deps: RecordRunEventDeps,
  completed: RunEvent,
  delivery: Delivery,
): Promise<void> {
  const stored = (await listStoredEvents(deps.store, completed.identity.runUid)).filter(
    (event) => event.body.type !== 'completed',
  );
  const missing = findMissingSeqs(stored, completed.seq);
  if (missing.length > 0 && delivery.deliveryCount < (deps.completionWaitDeliveries ?? 6)) {
    throw new EarlierEventsMissing(missing);
  }
  const agentRun = await fetchAgentRun(deps, completed);
  const origin = originOf(agentRun);
  const { identity } = completed;
  const log = { namespace: identity.namespace, run: identity.run, runUid: identity.runUid };
  if (!origin) deps.logger.warn(log, 'the AgentRun of a completed run is gone; recorded without its session');
  const plan = planCompletedRun(completed, origin, stored);
  for (const message of plan.messages) {
    await deps.store.appendMessage(
      {
        namespace: identity.namespace,
        instance: identity.instance,
        sessionKey: plan.record.sessionKey ?? '',
      },
      message,
    );
  }
  const recorded = await deps.store.recordRun(plan.record);
  deps.logger.info({ ...log, recorded, missingEvents: missing.length }, 'run recorded');
  // after the session holds the turn, so the chat's next message sees it; a failure here redelivers
  // the completion, which records nothing twice
  await deps.onRunRecorded?.(completed, agentRun);
}

/**
 * Stores one delivered event (and, for a completion, the run). Throws to have it redelivered later
 * (the store is unavailable, earlier events are missing); a value the store refuses for good is
 * logged and dropped instead of retried for ever.
 */
export async function recordDeliveredRunEvent(
  deps: RecordRunEventDeps,
  event: RunEvent,
  delivery: Delivery,
): Promise<void> {
  const messageId = delivery.messageId ?? `${event.identity.runUid}:${event.id}`;
  try {
    const stored = await deps.store.recordRunEvent(messageId, event);
    deps.logger.debug({ messageId, stored, delivery: delivery.deliveryCount }, 'run event recorded');
    if (event.body.type === 'completed') await recordCompletedRun(deps, event, delivery);
    if (event.body.type === 'channel_message') await deps.onChannelMessage?.(event);
  } catch (error) {
    if (error instanceof SessionStoreError && error.code === sessionStoreErrorCodes.invalidInput) {
      deps.logger.error({ err: error, messageId }, 'the session store refused a run event; dropped');
      return;
    }
    throw error;
  }
}

/** Consumes until `signal` aborts; reconnects with backoff when the bus is lost. */
export async function runRunEventRecorder(deps: RunEventRecorderDeps): Promise<void> {
  const { logger, signal } = deps;
  await whileConnected({
    connect: deps.connect,
    signal,
    ...(deps.maxRetryDelayMs !== undefined ? { maxDelayMs: deps.maxRetryDelayMs } : {}),
    onLost: (error, retryInMs) => logger.warn({ err: error, retryInMs }, 'event bus unavailable; retrying'),
    consume: async (bus) => {
      logger.info({ consumer: runEventRecorderName }, 'recording run events from the event bus');
      const recordDeps: RecordRunEventDeps = deps.sendChannelReplies
        ? {
            ...deps,
            onRunRecorded: async (completed, agentRun) =>
              void (await publishChannelReply({ bus, logger }, completed, agentRun)),
            // a message a run asks to post to a chat of its instance, checked again first
            onChannelMessage: async (event) =>
              void (await publishChannelSend({ bus, kube: deps.kube, logger }, event)),
          }
        : deps;
      await bus.consumeRunEvents(
        runEventRecorderName,
        async (event, delivery) => await recordDeliveredRunEvent(recordDeps, event, delivery),
        {
          signal,
          ...(deps.retryDelayMs !== undefined ? { retryDelayMs: deps.retryDelayMs } : {}),
          ...(deps.maxRetryDelayMs !== undefined ? { maxRetryDelayMs: deps.maxRetryDelayMs } : {}),
          onInvalid: (message) => logger.warn({ message }, 'terminated an invalid run event'),
          onHandlerError: (error, delivery) =>
            logger.warn({ err: error, delivery }, 'recording a run event failed; it will be redelivered'),
          onError: (error) => logger.warn({ err: error }, 'event bus consumer error'),
        },
      );
    },
  });
}
