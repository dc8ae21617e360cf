// Public surface of the kube component.
export { KubeClient } from './kube-client.ts';
export type * from './kube-client.ts';
export {
  KubeApiError,
  ignoreNotFound,
  isAlreadyExists,
  isConflict,
  isForbidden,
  isInvalid,
  isNotFound,
  toKubeError,
  undefinedIfNotFound,
} from './kube-error.ts';
export { WorkQueue, type WorkQueueOptions } from './work-queue.ts';
export {
  ResourceInformer,
  objectKey,
  resourcePath,
  type InformerEvent,
  type ResourceType,
} from './informer.ts';
export {
  LeaderElector,
  toMicroTime,
  type LeaderCallbacks,
  type LeaderElectionOptions,
} from './leader-election.ts';
export {
  Controller,
  TerminalError,
  type ControllerObserver,
  type ControllerOptions,
  type Outcome,
  type Reconcile,
} from './controller-runner.ts';
export { EventRecorder, type EventTarget } from './event-recorder.ts';
export { retryThrottled } from './retry.ts';
export { userBearerToken } from './user-bearer-token.ts';
export {
  forwardServicePort,
  type ServicePortForward,
  type ServicePortTarget,
} from './service-port-forward.ts';
