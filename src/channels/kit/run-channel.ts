// The runtime every channel program shares: messages the adapter receives pass access control and
// go onto the channel's inbound subject (the adapter confirms them to its service only after the
// bus stored them), a typing indicator runs in the chat while its run works, and the replies on the
// channel's outbound subject are delivered through the adapter by a durable consumer, acknowledged
// only once the service took every part, so each reply is sent once whatever restarts. Once a
// reply's delivery ended (delivered, refused for good, or given up after its last delivery from the
// bus) its receipt goes onto the channel's receipts subject before the reply is acknowledged, so no
// reply ends silently; a receipt the bus did not take is published again on the reply's
// redelivery without sending the reply again.
import type {
  ChannelChat,
  ChannelInboundMessage,
  ChannelReply,
  ChannelReplyReceipt,
  ReplyOutcome,
} from '../../api/index.ts';
import { buildChannelSessionKey } from '../../api/index.ts';
import { whileConnected, type ChannelIdentity, type Delivery, type EventBus } from '../../eventbus/index.ts';
import type { Logger } from '../../observability/index.ts';
import { planAccess, type AccessControl } from './access-control.ts';
import type { ChannelAdapter, ReceivedMessage } from './channel-adapter.ts';
import { deliverReply } from './deliver-reply.ts';
import { buildReplyReceipt, planFailedDelivery } from './reply-receipt.ts';

export interface RunChannelOptions {
  identity: ChannelIdentity;
  instanceUid: string;
  access: AccessControl;
  adapter: ChannelAdapter;
  /** Opens a connection to the bus with the channel's credentials. */
  connect: () => Promise<EventBus>;
  logger: Logger;
  signal: AbortSignal;
  /** How often the typing indicator is renewed (Telegram shows it for 5 s). */
  typingIntervalMs?: number;
  /** The typing indicator stops after this long without a reply. */
  typingMaxMs?: number;
  /** Passed to reply delivery (tests shorten it). */
  retryDelayMs?: number;
  /**
   * The bus redelivers a reply whose delivery failed without end: on this delivery the channel
   * gives up and says so in the reply's receipt (default 20, about 20 minutes with the default delays).
   */
  maxDeliveries?: number;
  /** Values blotted out of the reasons in receipts (the pod's tokens and signing secrets). */
  secrets?: readonly string[];
  /** Told what became of each message and reply, for metrics. */
  onOutcome?: (kind: 'message' | 'reply', outcome: string) => void;
}

export const defaultMaxDeliveries = 20;

export interface ChannelHealth {
  /** The adapter is receiving and the bus connection for replies is up. */
  ready(): boolean;
}

export function buildInboundMessage(
  options: Pick<RunChannelOptions, 'identity' | 'instanceUid'>,
  received: ReceivedMessage,
): ChannelInboundMessage {
  return {
    id: received.id,
    channel: options.identity.channel,
    namespace: options.identity.namespace,
    instance: options.identity.instance,
    instanceUid: options.instanceUid,
    chat: received.chat,
    ...(received.messageId !== undefined ? { messageId: received.messageId } : {}),
    sender: received.sender,
    text: received.text,
    sentAt: received.sentAt.toISOString(),
  };
}

/** Keeps a typing indicator alive per chat until its reply is delivered or the limit passes. */
class TypingIndicators {
  private readonly active = new Map<string, NodeJS.Timeout>();
  private readonly options: RunChannelOptions;

  constructor(options: RunChannelOptions) {
    this.options = options;
  }

  start(chat: ChannelChat, messageId?: string): void {
    const key = buildChannelSessionKey(this.options.identity.channel, chat);
    this.stop(chat);
    const send = () =>
      void this.options.adapter.sendTyping(chat, messageId).catch((error: unknown) => {
        this.options.logger.debug({ err: error }, 'typing indicator not shown');
      });
    send();
    const startedAt = Date.now();
    const maxMs = this.options.typingMaxMs ?? 10 * 60_000;
    const timer = setInterval(() => {
      if (Date.now() - startedAt > maxMs || this.options.signal.aborted) this.stop(chat);
      else send();
    }, this.options.typingIntervalMs ?? 4_500);
    timer.unref();
    this.active.set(key, timer);
  }

  stop(chat: ChannelChat): void {
    const key = buildChannelSessionKey(this.options.identity.channel, chat);
    clearInterval(this.active.get(key));
    this.active.delete(key);
  }

  stopAll(): void {
    for (const timer of this.active.values()) clearInterval(timer);
    this.active.clear();
  }
}

/** Receipts the bus has not taken yet, by reply id: a redelivered reply publishes its receipt only. */
class UnpublishedReceipts {
  /** Bounded: past this, the oldest reply would be sent again on its redelivery. */
  private static readonly limit = 1024;
  private readonly receipts = new Map<string, ChannelReplyReceipt>();

  get(replyId: string): ChannelReplyReceipt | undefined {
    return this.receipts.get(replyId);
  }

  set(receipt: ChannelReplyReceipt): void {
    this.receipts.set(receipt.id, receipt);
    const oldest = this.receipts.keys().next();
    if (this.receipts.size > UnpublishedReceipts.limit && !oldest.done) this.receipts.delete(oldest.value);
  }

  delete(replyId: string): void {
    this.receipts.delete(replyId);
  }
}

/** Runs the channel until `signal` aborts. */
export async function runChannel(
  options: RunChannelOptions,
  onStarted?: (health: ChannelHealth) => void,
): Promise<void> {
  const { adapter, logger, signal, identity } = options;
  const typing = new TypingIndicators(options);
  let receiving = false;
  let consuming = false;
  // publishing has a connection of its own: the NATS client reconnects it by itself
  const publisher = await options.connect();

  const onMessage = async (received: ReceivedMessage): Promise<void> => {
    const log = { chat: received.chat.chatId, message: received.id };
    const decision = planAccess(received.access, options.access);
    if (decision.action !== 'accept') {
      options.onOutcome?.('message', decision.action === 'deny' ? 'denied' : 'ignored');
    }
    if (decision.action === 'ignore') {
      logger.debug({ ...log, reason: decision.reason }, 'message ignored');
      return;
    }
    if (decision.action === 'deny') {
      logger.info({ ...log, sender: received.sender.id, reason: decision.reason }, 'message refused');
      // best effort: a refusal the service does not take now is not worth holding the chat up for
      if (decision.reply) {
        await adapter
          .sendNotice(received.chat, decision.reply, received.messageId)
          .catch((error: unknown) => logger.warn({ ...log, err: error }, 'the deny message was not sent'));
      }
      return;
    }
    const result = await publisher.publishChannelMessage(identity, buildInboundMessage(options, received));
    logger.info({ ...log, duplicate: result.duplicate }, 'message published');
    options.onOutcome?.('message', 'published');
    if (!result.duplicate) typing.start(received.chat, received.messageId);
  };

  const unpublished = new UnpublishedReceipts();
  const maxDeliveries = options.maxDeliveries ?? defaultMaxDeliveries;

  /** Delivers one reply: its receipt once delivery ended, or a throw to have it redelivered. */
  const settleReply = async (reply: ChannelReply, delivery: Delivery): Promise<ChannelReplyReceipt> => {
    const log = { chat: reply.chat.chatId, reply: reply.id, delivery: delivery.deliveryCount };
    let attempts = 0;
    let parts = 0;
    const receipt = (outcome: ReplyOutcome, error?: unknown) =>
      buildReplyReceipt({
        identity,
        reply,
        outcome,
        ...(error !== undefined ? { error } : {}),
        parts,
        attempts,
        deliveries: delivery.deliveryCount,
        secrets: options.secrets ?? [],
        now: new Date(),
      });
    try {
      const outcome = await deliverReply(reply, {
        channel: identity.channel,
        send: async (r, part, index) => {
          attempts += 1;
          await adapter.sendReply(r, part, index);
          parts = index + 1;
        },
        ...(options.retryDelayMs !== undefined ? { retryDelayMs: options.retryDelayMs } : {}),
        onRetry: (error, attempt, delayMs) => {
          options.onOutcome?.('reply', 'retried');
          logger.warn({ ...log, err: error, attempt, delayMs }, 'the service did not take a reply; retrying');
        },
      });
      logger.info({ ...log, ...outcome }, 'reply delivered');
      options.onOutcome?.('reply', 'delivered');
      return receipt('delivered');
    } catch (error) {
      const plan = planFailedDelivery(error, delivery.deliveryCount, maxDeliveries);
      if (!plan.settle) throw error;
      if (plan.settle === 'refused') {
        // the service refused this message for good: redelivering it would fail the same way
        logger.error({ ...log, err: error, parts }, 'the service refused a reply; dropped');
      } else {
        logger.error({ ...log, err: error, parts, maxDeliveries }, 'a reply was not delivered; given up');
      }
      options.onOutcome?.('reply', plan.settle);
      return receipt(plan.settle, error);
    }
  };

  const consumeReplies = whileConnected({
    connect: options.connect,
    signal,
    onLost: (error, retryInMs) => {
      consuming = false;
      logger.warn({ err: error, retryInMs }, 'event bus unavailable; retrying');
    },
    consume: async (bus) => {
      consuming = true;
      await bus.consumeChannelReplies(
        identity,
        async (reply, delivery) => {
          let receipt = unpublished.get(reply.id);
          if (!receipt) {
            try {
              receipt = await settleReply(reply, delivery);
            } finally {
              typing.stop(reply.chat);
            }
            unpublished.set(receipt);
          }
          // a receipt the bus does not take throws: the reply comes again, and only its receipt is sent
          const published = await bus.publishChannelReceipt(identity, receipt);
          unpublished.delete(reply.id);
          logger.debug(
            { reply: reply.id, outcome: receipt.outcome, duplicate: published.duplicate },
            'reply receipt published',
          );
        },
        {
          signal,
          ...(options.retryDelayMs !== undefined ? { retryDelayMs: options.retryDelayMs } : {}),
          onInvalid: (message) => logger.warn({ message }, 'terminated an invalid reply'),
          onHandlerError: (error, delivery) =>
            logger.warn({ err: error, delivery }, 'delivering a reply failed; it will be redelivered'),
          onError: (error) => logger.warn({ err: error }, 'event bus consumer error'),
        },
      );
    },
  });

  try {
    const { stopped } = await adapter.start(onMessage);
    receiving = true;
    onStarted?.({ ready: () => receiving && consuming && !signal.aborted });
    logger.info({ channel: identity.channel }, 'channel running');
    // receiving that ends on its own (a refused token, a second poller) ends the channel: a restart
    // is the way back, and the messages it had not confirmed come again
    await Promise.race([
      consumeReplies,
      stopped.then(() => {
        if (!signal.aborted) throw new Error('the channel stopped receiving messages');
      }),
    ]);
  } finally {
    receiving = false;
    typing.stopAll();
    await adapter
      .stop()
      .catch((error: unknown) => logger.warn({ err: error }, 'stopping the adapter failed'));
    await publisher.close().catch(() => undefined);
  }
}
