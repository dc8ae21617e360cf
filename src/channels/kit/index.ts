// Public surface of the channel kit shared by every chat service's adapter.
export {
  planAccess,
  type AccessCandidate,
  type AccessControl,
  type AccessDecision,
} from './access-control.ts';
export type { AdapterFactory, ChannelAdapter, ReceivedMessage } from './channel-adapter.ts';
export { deliverReply, type DeliverReplyOptions, type DeliveryOutcome } from './deliver-reply.ts';
export { DeliveryError, deliveryErrorCodes } from './delivery-error.ts';
export {
  buildReplyParts,
  formatSlackMrkdwn,
  formatTelegramMarkdownV2,
  formatWhatsApp,
  messageLimits,
  type ReplyPart,
} from './format-reply.ts';
export {
  buildReceiptReason,
  buildReplyReceipt,
  planFailedDelivery,
  type FailedDeliveryPlan,
  type ReplyReceiptInput,
} from './reply-receipt.ts';
export {
  buildInboundMessage,
  defaultMaxDeliveries,
  runChannel,
  type ChannelHealth,
  type RunChannelOptions,
} from './run-channel.ts';
export { splitText } from './split-text.ts';
export { buildTerminationMessage, secretValues } from './termination-message.ts';
