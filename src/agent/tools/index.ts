// The agent's tools: the tool set a run offers its model (built from the run's effective tool list,
// feature gates and sandbox), the memory collector update_memory fills, and the building blocks
// (path confinement, the address policy of fetch_url, the sandbox exec client).
export { buildToolSet, defaultMaxToolOutputChars } from './tool-set.ts';
export type { BuildToolSetOptions, ToolCallResult, ToolOutcome, ToolSet } from './tool-set.ts';
export { toolError, toolOk } from './tool.ts';
export type { Tool, ToolContext, ToolResult } from './tool.ts';
export { createMemoryCollector, createUpdateMemoryTool } from './memory.ts';
export type { MemoryCollector, MemoryCollectorOptions } from './memory.ts';
export { createSendChannelMessageTool } from './send-channel-message.ts';
export { createSpawnSubagentTool } from './spawn-subagent.ts';
export type { SpawnSubagentArgs, SubagentSpawner } from './spawn-subagent.ts';
export type {
  ChannelMessageBody,
  ChannelSendOptions,
  SendChannelMessageArgs,
} from './send-channel-message.ts';
export { defaultPathRoots, describeRoots, PathError, resolveToolPath } from './paths.ts';
export type { PathAccess, PathPolicy, PathRoot, ResolvedPath } from './paths.ts';
export { createReadFileTool } from './read-file.ts';
export { createWriteFileTool } from './write-file.ts';
export { createEditFileTool } from './edit-file.ts';
export { createListDirectoryTool } from './list-directory.ts';
export { createFetchUrlTool } from './fetch-url.ts';
export type { EgressPolicy, FetchUrlOptions, ResolveHost } from './fetch-url.ts';
export { checkHostName, classifyAddress } from './address-policy.ts';
export type { AddressCheck } from './address-policy.ts';
export { createExecuteCommandTool, runInSandbox } from './execute-command.ts';
export type { SandboxExecOptions, SandboxExecResult } from './execute-command.ts';
