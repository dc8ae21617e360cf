// Public surface of the controller component, used by src/cmd/controller.ts.
export { ControllerManager, type ManagerOptions } from './manager.ts';
export { registerControllers, type ControllerDeps } from './setup.ts';
export { runResultConsumer, resultConsumerName, type ResultConsumerDeps } from './run/result-consumer.ts';
export type { IssueRunBusCredentials } from './run/run-reconciler.ts';
export type { IssueChannelBusCredentials } from './instance/instance-reconciler.ts';
export {
  runSubagentService,
  subagentAnswerConsumerName,
  subagentRequestConsumerName,
  type SubagentServiceDeps,
} from './subagent/subagent-service.ts';
