// The tools the agent runner offers, and the feature gate each one needs. The effective tool set of
// a run starts from this list and only ever shrinks (gates, sandbox, policy tool gating, the run's
// own tool policy).
import type { FeatureGate } from '../api/index.ts';

export const agentTools = [
  'execute_command',
  'read_file',
  'write_file',
  'edit_file',
  'list_directory',
  'fetch_url',
  'update_memory',
  'spawn_subagent',
  'send_channel_message',
] as const;
export type AgentTool = (typeof agentTools)[number];

export const toolFeatureGates: Record<AgentTool, FeatureGate> = {
  execute_command: 'code-execution',
  read_file: 'file-access',
  write_file: 'file-access',
  edit_file: 'file-access',
  list_directory: 'file-access',
  fetch_url: 'network-access',
  update_memory: 'memory-write',
  spawn_subagent: 'sub-agents',
  send_channel_message: 'channel-send',
};
