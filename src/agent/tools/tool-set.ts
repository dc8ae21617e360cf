// The tools one run offers its model, and the single entry point the tool loop calls them through.
// A tool is offered only when the run's effective tool list names it, its feature gate is on and
// the pod can serve it; anything else the model asks for is refused with a reason it can read.
// Arguments arrive as raw JSON text and are parsed and validated here, against schemas compiled
// once, so each tool sees only well-formed input.
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import type { FeatureGate } from '../../api/index.ts';
import { agentTools, toolFeatureGates, type AgentTool } from '../../orchestrator/index.ts';
import type { ToolSpec } from '../model.ts';
import { truncateText } from '../truncate.ts';
import type { AddressCheck } from './address-policy.ts';
import { createEditFileTool } from './edit-file.ts';
import { createExecuteCommandTool, type SandboxExecOptions } from './execute-command.ts';
import { createFetchUrlTool, type EgressPolicy, type ResolveHost } from './fetch-url.ts';
import { createListDirectoryTool } from './list-directory.ts';
import { createUpdateMemoryTool, type MemoryCollector } from './memory.ts';
import type { PathPolicy, PathRoot } from './paths.ts';
import { createReadFileTool } from './read-file.ts';
import { createSendChannelMessageTool, type ChannelSendOptions } from './send-channel-message.ts';
import { createSpawnSubagentTool, type SubagentSpawner } from './spawn-subagent.ts';
import { toolError, type Tool, type ToolContext, type ToolResult } from './tool.ts';
import { createWriteFileTool } from './write-file.ts';

export type ToolOutcome = 'ok' | 'error' | 'refused';
export type ToolCallResult = ToolResult & { outcome: ToolOutcome };

export interface ToolSet {
  /** What the model is offered, in a stable order. */
  specs: ToolSpec[];
  call(name: string, rawArguments: string, context: ToolContext): Promise<ToolCallResult>;
}

export interface BuildToolSetOptions {
  /** The run's effective tool names (K8SCLAW_TOOLS). */
  allowed: readonly string[];
  /**
   * Tools the policy marks `ask` (K8SCLAW_TOOLS_NEEDING_APPROVAL): `ask` never means allow, and
   * until a person can approve a call they are not offered and a call gets "needs approval".
   */
  needingApproval?: readonly string[];
  sandboxEnabled: boolean;
  /** A gate missing here is off. */
  featureGates: Partial<Record<FeatureGate, boolean>>;
  egressPolicy: EgressPolicy;
  /** Without a collector, update_memory is not offered. */
  memory?: MemoryCollector;
  /** Without chats to post to, send_channel_message is not offered. */
  channelSend?: ChannelSendOptions;
  /** Without a way to ask for sub-agents (the run's input), spawn_subagent is not offered. */
  subagents?: SubagentSpawner;
  /** Default /workspace: relative paths resolve against it and it is a read-write root. */
  workspaceDir?: string;
  /** Default /skills, a read-only root. */
  skillsDir?: string;
  /** Default /tmp, a read-write root. */
  tmpDir?: string;
  /** Replaces the roots built from workspaceDir, tmpDir and skillsDir. */
  roots?: readonly PathRoot[];
  /** The directory shared with the sandbox (default /var/run/k8sclaw/exec). */
  execDir?: string;
  exec?: Omit<SandboxExecOptions, 'execDir'>;
  fetch?: { checkAddress?: AddressCheck; resolveHost?: ResolveHost; timeoutMs?: number };
  /** Tool output above this is cut, with a note. */
  maxOutputChars?: number;
}

/** Below the tool loop's own cut, so the note the model sees is this one. */
export const defaultMaxToolOutputChars = 30 * 1024;

export function buildToolSet(options: BuildToolSetOptions): ToolSet {
  const workspaceDir = options.workspaceDir ?? '/workspace';
  const paths: PathPolicy = {
    workspaceDir,
    roots: options.roots ?? [
      { path: workspaceDir, writable: true },
      { path: options.tmpDir ?? '/tmp', writable: true },
      { path: options.skillsDir ?? '/skills', writable: false },
    ],
  };
  const maxOutputChars = options.maxOutputChars ?? defaultMaxToolOutputChars;
  const allowed = new Set(options.allowed);
  const ajv = new Ajv({ strict: true, allErrors: true });

  const offered = new Map<string, { tool: Tool; validate: ValidateFunction }>();
  const refusals = new Map<string, string>();
  for (const name of agentTools) {
    const reason = whyNotOffered(name, allowed, options);
    if (reason) {
      refusals.set(name, reason);
      continue;
    }
    const tool = createTool(name, options, paths);
    if (!tool) continue;
    offered.set(name, { tool: tool as Tool, validate: ajv.compile(tool.spec.parameters) });
  }
  const names = [...offered.keys()];
  const available = names.length > 0 ? `tools you can use: ${names.join(', ')}` : 'this run offers no tools';

  return {
    specs: [...offered.values()].map(({ tool }) => tool.spec),
    async call(name, rawArguments, context) {
      const entry = offered.get(name);
      if (!entry) {
        const reason = refusals.get(name);
        const message = reason
          ? `the tool ${name} is not allowed by the run's policy: ${reason}; ${available}`
          : `there is no tool named ${name}; ${available}`;
        return { ...toolError(message), outcome: 'refused' };
      }
      const parsed = parseArguments(name, rawArguments);
      if ('error' in parsed) return { ...toolError(parsed.error), outcome: 'error' };
      if (!entry.validate(parsed.args)) {
        return {
          ...toolError(
            `invalid arguments for ${name}: ${describeErrors(entry.validate.errors ?? [], entry.tool.spec)}`,
          ),
          outcome: 'error',
        };
      }
      let result: ToolResult;
      try {
        result = await entry.tool.run(parsed.args, context);
      } catch (error) {
        result = toolError(
          `${name} failed unexpectedly: ${error instanceof Error ? error.message : String(error)}`,
        );
      }
      return {
        content: truncateText(result.content, maxOutputChars),
        isError: result.isError,
        outcome: result.isError ? 'error' : 'ok',
      };
    },
  };
}

function whyNotOffered(
  name: AgentTool,
  allowed: ReadonlySet<string>,
  options: BuildToolSetOptions,
): string | undefined {
  if (!allowed.has(name)) return "it is not in the run's tool list";
  if (options.needingApproval?.includes(name))
    return 'it needs approval (the policy marks it ask), and approving tool calls is not available yet';
  const gate = toolFeatureGates[name];
  if (options.featureGates[gate] !== true) return `the ${gate} feature gate is off`;
  if (name === 'execute_command' && !options.sandboxEnabled)
    return 'the run has no sandbox to run commands in';
  if (name === 'update_memory' && !options.memory) return 'memory is not enabled for this run';
  if (name === 'send_channel_message' && !options.channelSend?.targets.some((t) => t.chats.length > 0))
    return "the instance names no chats this run could post to (a channel's accessControl.allowedChats)";
  if (name === 'spawn_subagent' && !options.subagents) return 'this run has no way to ask for sub-agents';
  return undefined;
}

function createTool(
  name: AgentTool,
  options: BuildToolSetOptions,
  paths: PathPolicy,
): Tool<never> | undefined {
  switch (name) {
    case 'read_file':
      return createReadFileTool(paths);
    case 'write_file':
      return createWriteFileTool(paths);
    case 'edit_file':
      return createEditFileTool(paths);
    case 'list_directory':
      return createListDirectoryTool(paths);
    case 'fetch_url':
      return createFetchUrlTool({ egressPolicy: options.egressPolicy, ...options.fetch });
    case 'execute_command':
      return createExecuteCommandTool({
        ...options.exec,
        ...(options.execDir ? { execDir: options.execDir } : {}),
      });
    case 'update_memory':
      return options.memory ? createUpdateMemoryTool(options.memory) : undefined;
    case 'spawn_subagent':
      return options.subagents ? createSpawnSubagentTool(options.subagents) : undefined;
    case 'send_channel_message':
      return options.channelSend ? createSendChannelMessageTool(options.channelSend) : undefined;
  }
}

function parseArguments(name: string, raw: string): { args: Record<string, unknown> } | { error: string } {
  // some providers send nothing at all for a call without arguments
  if (raw.trim() === '') return { args: {} };
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (error) {
    const problem = error instanceof Error ? error.message : String(error);
    return { error: `the arguments for ${name} are not valid JSON (${problem}); send one JSON object` };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    const kind = value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`;
    return { error: `the arguments for ${name} must be a JSON object, not ${kind}` };
  }
  return { args: value as Record<string, unknown> };
}

function describeErrors(errors: readonly ErrorObject[], spec: ToolSpec): string {
  const properties = Object.keys((spec.parameters.properties as Record<string, unknown> | undefined) ?? {});
  const messages = errors.slice(0, 5).map((error) => {
    const field = error.instancePath.split('/').filter(Boolean).join('.');
    const params = error.params as Record<string, unknown>;
    switch (error.keyword) {
      case 'required':
        return `missing required argument "${String(params.missingProperty)}"`;
      case 'additionalProperties':
        return `unknown argument "${String(params.additionalProperty)}" (arguments: ${properties.join(', ')})`;
      case 'enum':
        return `"${field}" must be one of ${(params.allowedValues as unknown[]).map(String).join(', ')}`;
      default:
        return field
          ? `"${field}" ${error.message ?? 'is invalid'}`
          : `the arguments ${error.message ?? 'are invalid'}`;
    }
  });
  const more = errors.length > messages.length ? ` (and ${errors.length - messages.length} more)` : '';
  return messages.join('; ') + more;
}
