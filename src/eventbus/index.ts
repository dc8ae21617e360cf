// Public surface of the eventbus component, the only importer of the NATS client. Everything here
// is plain TypeScript: NATS types never cross this boundary.
export {
  connectEventBus,
  type BusStatus,
  type EventBus,
  type EventBusOptions,
  type PublishResult,
  type RunEventHandler,
  type RunInputHandler,
  type ChannelMessageHandler,
  type ChannelReplyHandler,
} from './event-bus.ts';
export {
  allChannelInboundFilter,
  buildChannelInboundMessageId,
  buildChannelInboundSubject,
  buildChannelInboxPrefix,
  buildChannelOutboundConsumerName,
  buildChannelOutboundSubject,
  buildChannelReplyMessageId,
  channelInboundConsumerName,
  parseChannelSubject,
  type ChannelIdentity,
} from './channel-subjects.ts';
export type { ConsumeOptions, Delivery, InvalidMessage } from './durable-consumer.ts';
export type { RunHistoryHandler, ServeHistoryOptions } from './history-exchange.ts';
export type { FollowOptions, Followed } from './stream-follower.ts';
export { whileConnected, type WhileConnectedOptions } from './while-connected.ts';
export type { RetryOptions } from './retry.ts';
export {
  BusError,
  busErrorCodes,
  isAuthenticationFailed,
  isBusUnavailable,
  isPermissionDenied,
  type BusErrorCode,
} from './bus-error.ts';
export {
  accountSignerOf,
  apiServerInboxPrefix,
  apiServerPermissions,
  channelPermissions,
  controllerPermissions,
  createBusAuthority,
  defaultJetStreamAccountLimits,
  historyResponseTtlMs,
  inputPublisherInboxPrefix,
  inputPublisherPermissions,
  issueUserCredentials,
  renderServerAuthConfig,
  runBridgePermissions,
  type AccountSigner,
  type BusAuthority,
  type BusPermissions,
  type JetStreamAccountLimits,
  type NamedKey,
  type SubjectPermission,
  type UserCredentialsRequest,
} from './auth.ts';
export {
  allRunEventsFilter,
  allRunHistoryFilter,
  buildMessageId,
  buildRunHistorySubject,
  buildRunEventScopeFilter,
  buildRunEventSubject,
  buildRunEventsFilter,
  buildRunInboxPrefix,
  buildRunInputConsumerName,
  buildRunInputSubject,
  busStreams,
  channelsStream,
  completedEventsFilter,
  escapeNameToken,
  parseRunEventSubject,
  parseRunHistorySubject,
  runEventsStream,
  runHistoryQueue,
  runInputStream,
  unescapeNameToken,
  type ParsedRunEventSubject,
  type RunEventScope,
  type StreamSpec,
} from './subjects.ts';
