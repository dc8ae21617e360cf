// How a reply's delivery ends and the receipt that says so (pure): delivered; refused for good by
// the service; or given up once the bus handed the reply over `maxDeliveries` times, since the bus
// consumer itself redelivers without end. The receipt's reason is the service's one-line answer with
// every secret the pod holds blotted out, never a stack or a cause chain.
import {
  channelMessageLimits,
  type ChannelReply,
  type ChannelReplyReceipt,
  type ReplyOutcome,
} from '../../api/index.ts';
import type { ChannelIdentity } from '../../eventbus/index.ts';
import { DeliveryError } from './delivery-error.ts';

/** What to do with a reply whose delivery from the bus failed. */
export type FailedDeliveryPlan = { settle: Exclude<ReplyOutcome, 'delivered'> } | { settle: false };

/** Refused for good ends it now; any other failure waits for the next delivery, up to the last. */
export function planFailedDelivery(
  error: unknown,
  deliveryCount: number,
  maxDeliveries: number,
): FailedDeliveryPlan {
  if (error instanceof DeliveryError && !error.retryable) return { settle: 'refused' };
  if (deliveryCount >= maxDeliveries) return { settle: 'undeliverable' };
  return { settle: false };
}

/** One line of at most the receipt's limit, with each secret replaced by `***`. */
export function buildReceiptReason(error: unknown, secrets: readonly string[]): string {
  let text = (error instanceof Error ? error.message : String(error)).replace(/\s+/g, ' ').trim();
  // longest first, so a secret that contains another is blotted out whole
  for (const secret of [...secrets].sort((a, b) => b.length - a.length)) {
    if (secret) text = text.split(secret).join('***');
  }
  const max = channelMessageLimits.reason;
  return text.length > max ? `${text.slice(0, max - 1)}…` : text || 'no reason given';
}

export interface ReplyReceiptInput {
  identity: ChannelIdentity;
  reply: ChannelReply;
  outcome: ReplyOutcome;
  /** Why it was not delivered (refused, undeliverable). */
  error?: unknown;
  parts: number;
  attempts: number;
  deliveries: number;
  secrets: readonly string[];
  now: Date;
}

export function buildReplyReceipt(input: ReplyReceiptInput): ChannelReplyReceipt {
  const { identity, reply } = input;
  return {
    id: reply.id,
    ...(reply.run !== undefined ? { run: reply.run } : {}),
    channel: identity.channel,
    namespace: identity.namespace,
    instance: identity.instance,
    outcome: input.outcome,
    ...(input.outcome !== 'delivered' && input.error !== undefined
      ? { reason: buildReceiptReason(input.error, input.secrets) }
      : {}),
    parts: input.parts,
    attempts: input.attempts,
    deliveries: input.deliveries,
    at: input.now.toISOString(),
  };
}
