// Reply receipts from every channel become visible on their AgentRuns: one durable consumer shared
// by the API server replicas hands each receipt to one of them, which finds the run (the same uid),
// applies the `ReplyDelivered` condition to its status under the API server's own field manager
// (only that condition: the controller owns the rest of status), records an Event on the run and
// counts the receipt. A receipt for a run that no longer exists is dropped; while the Kubernetes
// API cannot be reached the receipt is negatively acknowledged and waits in JetStream.
import {
  agentRunKind,
  fieldManagers,
  group,
  labels,
  resourceOf,
  version,
  type AgentRun,
  type ChannelReplyReceipt,
  type ReplyOutcome,
} from '../api/index.ts';
import { channelReceiptConsumerName, whileConnected, type EventBus } from '../eventbus/index.ts';
import { undefinedIfNotFound, type EventRecorder, type KubeClient } from '../kube/index.ts';
import type { Logger } from '../observability/index.ts';
import { planReplyDeliveredCondition, type ReplyDeliveredPlan } from './plan-reply-delivered.ts';

export interface ChannelReceiptDeps {
  kube: KubeClient;
  events: Pick<EventRecorder, 'record'>;
  logger: Logger;
  /** Told about each receipt written onto its run, for metrics. */
  onRecorded?: (channel: string, outcome: ReplyOutcome) => void;
  now?: () => Date;
}

export interface ChannelReceiptConsumerDeps extends ChannelReceiptDeps {
  connect: () => Promise<EventBus>;
  signal: AbortSignal;
  retryDelayMs?: number;
  maxRetryDelayMs?: number;
}

/** The run a receipt names: by name when the reply carried it, else among its instance's chat runs by uid. */
async function fetchRunOfReceipt(
  kube: KubeClient,
  receipt: ChannelReplyReceipt,
): Promise<AgentRun | undefined> {
  const target = { group, version, plural: agentRunKind.plural, namespace: receipt.namespace };
  if (receipt.run !== undefined) {
    return (await undefinedIfNotFound(
      kube.customObjects.getNamespacedCustomObject({ ...target, name: receipt.run }),
    )) as AgentRun | undefined;
  }
  const list = (await kube.customObjects.listNamespacedCustomObject({
    ...target,
    labelSelector: `${labels.instance}=${receipt.instance},${labels.channel}=${receipt.channel}`,
  })) as { items: AgentRun[] };
  return list.items.find((run) => run.metadata.uid === receipt.id);
}

/** Writes one receipt onto its run, once; throws to have it redelivered later. */
export async function recordReplyReceipt(
  deps: ChannelReceiptDeps,
  receipt: ChannelReplyReceipt,
): Promise<ReplyDeliveredPlan['action']> {
  const log = {
    namespace: receipt.namespace,
    instance: receipt.instance,
    channel: receipt.channel,
    reply: receipt.id,
    run: receipt.run,
    outcome: receipt.outcome,
  };
  const run = await fetchRunOfReceipt(deps.kube, receipt);
  const plan = planReplyDeliveredCondition(receipt, run, (deps.now ?? (() => new Date()))());
  if (plan.action === 'drop') {
    deps.logger.warn({ ...log, why: plan.why }, 'a reply receipt for no run of its channel; dropped');
    return plan.action;
  }
  if (plan.action === 'unchanged' || run === undefined) return plan.action;
  const resource = resourceOf(agentRunKind);
  await deps.kube.applyStatus(
    resource,
    {
      apiVersion: resource.apiVersion,
      kind: resource.kind,
      metadata: { name: run.metadata.name, namespace: run.metadata.namespace },
      status: { conditions: [plan.condition] },
    },
    fieldManagers.apiServer,
  );
  await deps.events.record(
    {
      apiVersion: resource.apiVersion,
      kind: resource.kind,
      metadata: {
        name: run.metadata.name,
        namespace: run.metadata.namespace,
        ...(run.metadata.uid ? { uid: run.metadata.uid } : {}),
      },
    },
    plan.event.type,
    plan.event.reason,
    plan.event.message,
  );
  deps.onRecorded?.(receipt.channel, receipt.outcome);
  const level = receipt.outcome === 'delivered' ? 'info' : 'warn';
  deps.logger[level]({ ...log, run: run.metadata.name, reason: receipt.reason }, 'reply receipt recorded');
  return plan.action;
}

/** Consumes until `signal` aborts; reconnects with backoff when the bus is lost. */
export async function runChannelReceiptConsumer(deps: ChannelReceiptConsumerDeps): Promise<void> {
  const { logger, signal } = deps;
  await whileConnected({
    connect: deps.connect,
    signal,
    ...(deps.maxRetryDelayMs !== undefined ? { maxDelayMs: deps.maxRetryDelayMs } : {}),
    onLost: (error, retryInMs) => logger.warn({ err: error, retryInMs }, 'event bus unavailable; retrying'),
    consume: async (bus) => {
      logger.info({ consumer: channelReceiptConsumerName }, 'recording reply receipts on their runs');
      await bus.consumeChannelReceipts(async (receipt) => void (await recordReplyReceipt(deps, receipt)), {
        signal,
        ...(deps.retryDelayMs !== undefined ? { retryDelayMs: deps.retryDelayMs } : {}),
        ...(deps.maxRetryDelayMs !== undefined ? { maxRetryDelayMs: deps.maxRetryDelayMs } : {}),
        onInvalid: (message) => logger.warn({ message }, 'terminated an invalid reply receipt'),
        onHandlerError: (error, delivery) =>
          logger.warn({ err: error, delivery }, 'recording a reply receipt failed; it will be redelivered'),
        onError: (error) => logger.warn({ err: error }, 'event bus consumer error'),
      });
    },
  });
}
