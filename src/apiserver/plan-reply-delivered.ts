// What a reply's receipt changes on its AgentRun (pure): the `ReplyDelivered` condition (True when
// the chat service took the reply; False, Refused or Undeliverable, when it did not) and the Event
// that tells of it. A receipt is dropped when its run is gone or replaced (another uid), or when the
// run is not a run of the channel that sent the receipt: a channel's credentials bind it to its own
// receipts subject, and this check binds the receipt to that channel's runs.
import {
  annotations,
  conditionTypes,
  reasons,
  type AgentRun,
  type ChannelReplyReceipt,
  type Condition,
} from '../api/index.ts';

export interface ReplyDeliveredEvent {
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
}

export type ReplyDeliveredPlan =
  | { action: 'drop'; why: 'run-gone' | 'another-run' | 'another-channel' }
  /** The run already says this (a receipt handled again): nothing to write, no second Event. */
  | { action: 'unchanged' }
  | { action: 'apply'; condition: Condition; event: ReplyDeliveredEvent };

const plural = (count: number, word: string, words = `${word}s`) => `${count} ${count === 1 ? word : words}`;

function describe(receipt: ChannelReplyReceipt): {
  condition: Omit<Condition, 'lastTransitionTime'>;
  event: ReplyDeliveredEvent;
} {
  const { channel } = receipt;
  const why = receipt.reason ?? 'no reason given';
  switch (receipt.outcome) {
    case 'delivered': {
      const message = `Delivered to ${channel} in ${plural(receipt.parts, 'message')} (${plural(receipt.attempts, 'attempt')}).`;
      return {
        condition: {
          type: conditionTypes.replyDelivered,
          status: 'True',
          reason: reasons.delivered,
          message,
        },
        event: { type: 'Normal', reason: 'ReplyDelivered', message },
      };
    }
    case 'refused': {
      const message = `${channel} refused the reply for good after ${plural(receipt.parts, 'message')} it took: ${why}`;
      return {
        condition: { type: conditionTypes.replyDelivered, status: 'False', reason: reasons.refused, message },
        event: { type: 'Warning', reason: 'ReplyRefused', message },
      };
    }
    case 'undeliverable': {
      const message = `Not delivered to ${channel} after ${plural(receipt.deliveries, 'delivery', 'deliveries')} from the event bus (${plural(receipt.parts, 'message')} taken): ${why}`;
      return {
        condition: {
          type: conditionTypes.replyDelivered,
          status: 'False',
          reason: reasons.undeliverable,
          message,
        },
        event: { type: 'Warning', reason: 'ReplyUndeliverable', message },
      };
    }
  }
}

export function planReplyDeliveredCondition(
  receipt: ChannelReplyReceipt,
  run: AgentRun | undefined,
  now: Date,
): ReplyDeliveredPlan {
  if (run === undefined) return { action: 'drop', why: 'run-gone' };
  // a chat run's reply has the run's uid as id; a message a run posted with send_channel_message
  // has `<run uid>:send:<seq>`, into whichever channel the instance names
  const sentMessage = receipt.id.startsWith(`${run.metadata.uid}:send:`);
  if (run.metadata.uid !== receipt.id && !sentMessage) return { action: 'drop', why: 'another-run' };
  if (
    run.metadata.namespace !== receipt.namespace ||
    run.spec.instanceRef !== receipt.instance ||
    (!sentMessage && run.metadata.annotations?.[annotations.channel] !== receipt.channel)
  ) {
    return { action: 'drop', why: 'another-channel' };
  }
  const { condition, event } = describe(receipt);
  const previous = run.status?.conditions?.find((c) => c.type === conditionTypes.replyDelivered);
  if (
    previous?.status === condition.status &&
    previous.reason === condition.reason &&
    previous.message === condition.message
  ) {
    return { action: 'unchanged' };
  }
  const generation = run.metadata.generation;
  return {
    action: 'apply',
    condition: {
      ...condition,
      lastTransitionTime:
        previous && previous.status === condition.status ? previous.lastTransitionTime : now.toISOString(),
      ...(generation !== undefined ? { observedGeneration: generation } : {}),
    },
    event,
  };
}
