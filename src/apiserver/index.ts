// Public surface of the API server component: the HTTP app, its server, and the Kubernetes-backed
// authentication and authorization it runs with.
export { createApiApp, defaultMaxBodyBytes, type ApiAppOptions, type RequestSample } from './create-app.ts';
export { startApiServer, type ApiServerHandle } from './start-api-server.ts';
export {
  createKubeAccessReviewer,
  type AccessReviewer,
  type Caller,
  type KubeAccessReviewerOptions,
} from './kube-access-reviewer.ts';
export { apiRoutes } from './routes.ts';
export { buildOpenApiDocument, openApiPath } from './openapi-document.ts';
export {
  recordDeliveredRunEvent,
  runEventRecorderName,
  runRunEventRecorder,
  type RecordRunEventDeps,
  type RunEventRecorderDeps,
  type RunEventStore,
} from './run-event-recorder.ts';
export type { SessionReader } from './route-definition.ts';
export {
  answerHistoryRequest,
  runRunHistoryResponder,
  type HistoryAnswerDeps,
  type RunHistoryResponderDeps,
} from './run-history-responder.ts';
export {
  createEventStreamServer,
  defaultMaxBufferedBytes,
  type EventStreamServer,
  type EventStreamServerOptions,
} from './event-stream-server.ts';
export { parseAllowedOrigins } from './origin-check.ts';
export { buildBearerProtocol, eventStreamProtocol } from './websocket-protocols.ts';
export {
  createRunForChannelMessage,
  runChannelMessageConsumer,
  type ChannelMessageConsumerDeps,
  type ChannelMessageDeps,
  type ChannelMessageOutcome,
} from './channel-message-consumer.ts';
export { publishChannelReply } from './channel-reply-publisher.ts';
export {
  recordReplyReceipt,
  runChannelReceiptConsumer,
  type ChannelReceiptConsumerDeps,
  type ChannelReceiptDeps,
} from './channel-receipt-consumer.ts';
export {
  planReplyDeliveredCondition,
  type ReplyDeliveredEvent,
  type ReplyDeliveredPlan,
} from './plan-reply-delivered.ts';
