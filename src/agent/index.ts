// Public surface of the agent runner component: one run from configuration to result, and the
// model contract its provider adapters implement.
export { runAgent, type RunnerConfig, type RunnerDeps } from './runner.ts';
export type * from './model.ts';
export { createRunInputs, type RunInputs } from './run-inputs.ts';
export { createSpawnSubagentTool, type SubagentSpawner } from './tools/index.ts';
