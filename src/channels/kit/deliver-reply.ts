// Delivering one reply into its chat: each part in order, each retried while the service answers
// 429 or 5xx (waiting what it asked for with `retry_after`, else a doubling delay), so a part the
// service took is never sent again by this process. When the attempts run out the error goes back
// to the bus consumer, which redelivers the reply later; only a refusal of the message itself ends
// delivery for good.
import type { ChannelReply, ChannelType } from '../../api/index.ts';
import { DeliveryError } from './delivery-error.ts';
import { buildReplyParts, type ReplyPart } from './format-reply.ts';

export interface DeliverReplyOptions {
  channel: ChannelType;
  send: (reply: ChannelReply, part: ReplyPart, index: number) => Promise<void>;
  /** Attempts per part before giving the reply back to the bus (default 5). */
  maxAttempts?: number;
  /** First delay when the service says nothing of its own (default 1 s), doubled per attempt. */
  retryDelayMs?: number;
  /** The longest wait between attempts, whatever `retry_after` says (default 60 s). */
  maxDelayMs?: number;
  sleep?: (ms: number) => Promise<void>;
  onRetry?: (error: DeliveryError, attempt: number, delayMs: number) => void;
}

export interface DeliveryOutcome {
  parts: number;
  attempts: number;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function deliverReply(
  reply: ChannelReply,
  options: DeliverReplyOptions,
): Promise<DeliveryOutcome> {
  const maxAttempts = options.maxAttempts ?? 5;
  const firstDelay = options.retryDelayMs ?? 1000;
  const maxDelay = options.maxDelayMs ?? 60_000;
  const sleep = options.sleep ?? defaultSleep;
  const parts = buildReplyParts(options.channel, reply.text);
  let attempts = 0;
  for (const [index, part] of parts.entries()) {
    for (let attempt = 1; ; attempt += 1) {
      attempts += 1;
      try {
        await options.send(reply, part, index);
        break;
      } catch (error) {
        if (!(error instanceof DeliveryError) || !error.retryable || attempt >= maxAttempts) throw error;
        const delayMs = Math.min(error.retryAfterMs ?? firstDelay * 2 ** (attempt - 1), maxDelay);
        options.onRetry?.(error, attempt, delayMs);
        await sleep(delayMs);
      }
    }
  }
  return { parts: parts.length, attempts };
}
