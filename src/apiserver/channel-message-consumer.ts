// Chat messages from every channel become AgentRuns: one durable consumer shared by the API server
// replicas hands each message to one of them, which checks that the message is for an instance that
// exists (the same uid) and has that channel, and creates the run, named from the message's bus id;
// a redelivered message finds its run already there and is acknowledged. While the Kubernetes API
// cannot be reached the message is negatively acknowledged and waits in JetStream.
import { agentRunKind, annotations, clawInstanceKind, fieldManagers, group, version } from '../api/index.ts';
import type { AgentRun, ChannelInboundMessage, ClawInstance } from '../api/index.ts';
import {
  buildChannelInboundMessageId,
  channelInboundConsumerName,
  whileConnected,
  type Delivery,
  type EventBus,
} from '../eventbus/index.ts';
import { isAlreadyExists, isInvalid, undefinedIfNotFound, type KubeClient } from '../kube/index.ts';
import type { Logger } from '../observability/index.ts';
import { buildRunForChannelMessage, channelRunName } from './plan-channel-run.ts';

export interface ChannelMessageDeps {
  kube: KubeClient;
  logger: Logger;
}

export interface ChannelMessageConsumerDeps extends ChannelMessageDeps {
  connect: () => Promise<EventBus>;
  signal: AbortSignal;
  retryDelayMs?: number;
  maxRetryDelayMs?: number;
}

export type ChannelMessageOutcome = 'created' | 'existed' | 'no-instance' | 'no-channel' | 'invalid';

/** Creates the run of one delivered chat message, once; throws to have it redelivered later. */
export async function createRunForChannelMessage(
  deps: ChannelMessageDeps,
  message: ChannelInboundMessage,
  delivery: Pick<Delivery, 'messageId'>,
): Promise<ChannelMessageOutcome> {
  const busMessageId =
    delivery.messageId ?? buildChannelInboundMessageId(message.instanceUid, message.channel, message.id);
  const log = {
    namespace: message.namespace,
    instance: message.instance,
    channel: message.channel,
    message: message.id,
  };
  const instance = (await undefinedIfNotFound(
    deps.kube.customObjects.getNamespacedCustomObject({
      group,
      version,
      plural: clawInstanceKind.plural,
      namespace: message.namespace,
      name: message.instance,
    }),
  )) as ClawInstance | undefined;
  // a message for an instance since deleted (or replaced by one of the same name) has no one to go to
  if (instance?.metadata.uid !== message.instanceUid) {
    deps.logger.warn(log, 'a chat message for an instance that no longer exists; dropped');
    return 'no-instance';
  }
  if (!(instance.spec.channels ?? []).some((channel) => channel.type === message.channel)) {
    deps.logger.warn(log, 'a chat message for a channel the instance no longer has; dropped');
    return 'no-channel';
  }
  try {
    const created = (await deps.kube.customObjects.createNamespacedCustomObject({
      group,
      version,
      plural: agentRunKind.plural,
      namespace: message.namespace,
      body: buildRunForChannelMessage(message, busMessageId),
      fieldManager: fieldManagers.apiServer,
      fieldValidation: 'Strict',
    })) as AgentRun;
    deps.logger.info({ ...log, run: created.metadata.name }, 'chat message became a run');
    return 'created';
  } catch (error) {
    if (isInvalid(error)) {
      // the apiserver refuses this run for good (e.g. a CEL rule): retrying would refuse it again
      deps.logger.error({ ...log, err: error }, 'the AgentRun of a chat message is invalid; dropped');
      return 'invalid';
    }
    if (!isAlreadyExists(error)) throw error;
    const name = channelRunName(message, busMessageId);
    const existing = (await undefinedIfNotFound(
      deps.kube.customObjects.getNamespacedCustomObject({
        group,
        version,
        plural: agentRunKind.plural,
        namespace: message.namespace,
        name,
      }),
    )) as AgentRun | undefined;
    if (existing?.metadata.annotations?.[annotations.channelMessage] !== busMessageId) {
      // another run holds the name (or it was deleted just now): retrying later sorts the second case out
      throw new Error(`the AgentRun ${name} exists but is not the run of chat message ${busMessageId}`, {
        cause: error,
      });
    }
    deps.logger.info({ ...log, run: name }, 'chat message delivered again; its run exists');
    return 'existed';
  }
}

/** Consumes until `signal` aborts; reconnects with backoff when the bus is lost. */
export async function runChannelMessageConsumer(deps: ChannelMessageConsumerDeps): Promise<void> {
  const { logger, signal } = deps;
  await whileConnected({
    connect: deps.connect,
    signal,
    ...(deps.maxRetryDelayMs !== undefined ? { maxDelayMs: deps.maxRetryDelayMs } : {}),
    onLost: (error, retryInMs) => logger.warn({ err: error, retryInMs }, 'event bus unavailable; retrying'),
    consume: async (bus) => {
      logger.info({ consumer: channelInboundConsumerName }, 'creating runs from chat messages');
      await bus.consumeChannelMessages(
        async (message, delivery) => void (await createRunForChannelMessage(deps, message, delivery)),
        {
          signal,
          ...(deps.retryDelayMs !== undefined ? { retryDelayMs: deps.retryDelayMs } : {}),
          ...(deps.maxRetryDelayMs !== undefined ? { maxRetryDelayMs: deps.maxRetryDelayMs } : {}),
          onInvalid: (message) => logger.warn({ message }, 'terminated an invalid chat message'),
          onHandlerError: (error, delivery) =>
            logger.warn(
              { err: error, delivery },
              'creating the run of a chat message failed; it will be redelivered',
            ),
          onError: (error) => logger.warn({ err: error }, 'event bus consumer error'),
        },
      );
    },
  });
}
