// One agent run from start to result: reads the key, skills and memory, builds the provider and the
// tool set the policy allows, runs the tool loop within the deadline, and writes the result to
// /ipc/output/result.json (for the bridge) and a short copy to the termination message (for when
// the bus is down). Whatever happens, a result is written: failures are results too.
import { writeFile } from 'node:fs/promises';
import {
  runEventLimits,
  type FeatureGate,
  type Provider,
  type RunEventBody,
  type RunFailureReason,
  type RunResult,
  type ThinkingLevel,
} from '../api/index.ts';
import { createRunnerIpc, type RunnerIpc } from '../ipc/index.ts';
import type { ChannelTarget } from '../orchestrator/index.ts';
import type { ChatMessage, ModelProvider } from './model.ts';
import { buildHistoryMessages } from './history-messages.ts';
import { composeSystemPrompt, loadMemory, loadSkills } from './prompt.ts';
import { createModelProvider, ProviderError } from './providers/index.ts';
import { createRunInputs } from './run-inputs.ts';
import { runToolLoop } from './tool-loop.ts';
import { buildToolSet, createMemoryCollector, type EgressPolicy } from './tools/index.ts';
import { truncateText } from './truncate.ts';
import { readApiKey } from './api-key.ts';

export interface RunnerConfig {
  task: string;
  provider: Provider;
  model: string;
  baseURL?: string;
  thinking: ThinkingLevel;
  apiKeyFile?: string;
  azureApiVersion?: string;
  timeoutSeconds: number;
  maxIterations: number;
  tools: readonly string[];
  /** Tools the policy marks `ask`: refused with "needs approval" (no approval flow exists yet). */
  toolsNeedingApproval?: readonly string[];
  featureGates: Partial<Record<FeatureGate, boolean>>;
  sandboxEnabled: boolean;
  egressPolicy: EgressPolicy;
  /** The chats send_channel_message may post to (none: it is not offered). */
  channelTargets?: readonly ChannelTarget[];
  memoryEnabled: boolean;
  memoryFile?: string;
  skillsDir?: string;
  systemPrompt?: string;
  ipcDir: string;
  workspaceDir: string;
  /** The pod's scratch /tmp, a read-write root of the file tools. */
  tmpDir?: string;
  execDir: string;
  terminationMessageFile?: string;
}

export interface RunnerLogger {
  info(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

export interface RunnerDeps {
  logger: RunnerLogger;
  /** Replaces the provider built from the configuration (tests). */
  provider?: ModelProvider;
}

/** The kubelet keeps at most 4096 bytes of a termination message. */
const terminationMessageMaxBytes = 4096;

export async function runAgent(config: RunnerConfig, deps: RunnerDeps): Promise<RunResult> {
  const ipc = createRunnerIpc({ dir: config.ipcDir });
  const emit = async (body: RunEventBody) => {
    if (body.type === 'tool_call') {
      deps.logger.info(
        { tool: body.tool, outcome: body.outcome, summary: truncateText(body.summary, 200) },
        'tool called',
      );
    }
    try {
      await ipc.emit(body);
    } catch (error) {
      // progress events are best effort; the result below is what must arrive
      deps.logger.error({ err: error, type: body.type }, 'could not write a run event');
    }
  };
  let result: RunResult;
  try {
    result = await execute(config, deps, ipc, emit);
  } catch (error) {
    deps.logger.error({ err: error }, 'the agent run failed unexpectedly');
    result = failure(
      error instanceof ProviderError ? error.reason : 'RunnerError',
      error instanceof Error ? error.message : String(error),
    );
  }
  await writeResult(config, ipc, result, deps.logger);
  return result;
}

async function execute(
  config: RunnerConfig,
  deps: RunnerDeps,
  ipc: RunnerIpc,
  emit: (body: RunEventBody) => Promise<void>,
): Promise<RunResult> {
  const apiKey = config.apiKeyFile ? await readApiKey(config.apiKeyFile) : undefined;
  if (config.apiKeyFile && !apiKey) {
    return failure('InvalidConfiguration', `the provider key file ${config.apiKeyFile} is empty`);
  }
  const provider =
    deps.provider ??
    createModelProvider({
      provider: config.provider,
      model: config.model,
      thinking: config.thinking,
      ...(config.baseURL ? { baseURL: config.baseURL } : {}),
      ...(apiKey ? { apiKey } : {}),
      ...(config.azureApiVersion ? { azureApiVersion: config.azureApiVersion } : {}),
    });
  const memory = createMemoryCollector();
  const inputs = createRunInputs(ipc);
  const tools = buildToolSet({
    allowed: config.tools,
    ...(config.toolsNeedingApproval ? { needingApproval: config.toolsNeedingApproval } : {}),
    sandboxEnabled: config.sandboxEnabled,
    featureGates: config.featureGates,
    workspaceDir: config.workspaceDir,
    ...(config.tmpDir ? { tmpDir: config.tmpDir } : {}),
    execDir: config.execDir,
    egressPolicy: config.egressPolicy,
    // without memory nothing would keep what update_memory accepts
    ...(config.memoryEnabled ? { memory } : {}),
    ...(config.skillsDir ? { skillsDir: config.skillsDir } : {}),
    ...(config.channelTargets && config.channelTargets.length > 0
      ? {
          channelSend: {
            targets: config.channelTargets,
            // unlike progress events, the model is told when this one could not be written
            emit: async (body) => void (await ipc.emit(body)),
          },
        }
      : {}),
    // K8SCLAW_TOOLS names spawn_subagent only when the policy lets this run spawn
    ...(config.tools.includes('spawn_subagent') ? { subagents: inputs } : {}),
  });
  const memoryWritable = config.memoryEnabled && config.featureGates['memory-write'] === true;
  const system = composeSystemPrompt({
    ...(config.systemPrompt ? { systemPrompt: config.systemPrompt } : {}),
    skills: await loadSkills(config.skillsDir),
    ...(config.memoryEnabled ? { memory: await loadMemory(config.memoryFile) } : {}),
    memoryWritable,
    toolNames: tools.specs.map((spec) => spec.name),
    workspaceDir: config.workspaceDir,
  });

  const history = await readHistory(ipc, deps.logger);

  await emit({ type: 'started', provider: config.provider, model: config.model });
  deps.logger.info(
    {
      provider: config.provider,
      model: config.model,
      tools: tools.specs.map((s) => s.name),
      historyMessages: history.messages.length,
    },
    'agent run started',
  );
  if (history.missing) {
    await emit({ type: 'status', message: truncateText(history.missing, runEventLimits.statusMessage) });
  }
  const outcome = await runToolLoop({
    system,
    history: history.messages,
    task: config.task,
    thinking: config.thinking,
    maxIterations: config.maxIterations,
    provider,
    tools,
    signal: AbortSignal.timeout(deadlineMs(config.timeoutSeconds)),
    emit,
    takeFollowUps: () => inputs.takeFollowUps(),
  });
  const response = truncateText(outcome.response, runEventLimits.response);
  return {
    status: outcome.ok ? 'succeeded' : 'failed',
    ...(response ? { response } : {}),
    ...(outcome.error ? { error: truncateText(outcome.error, runEventLimits.error) } : {}),
    ...(outcome.reason ? { reason: outcome.reason } : {}),
    usage: outcome.usage,
    toolCalls: outcome.toolCalls,
    memoryUpdates: memoryWritable ? memory.entries().slice(0, runEventLimits.memoryUpdates) : [],
    ...(response.length < outcome.response.length ? { truncated: true } : {}),
  };
}

/**
 * The session's earlier turns as model messages, and why there are none when the run's session
 * history could not be had (shown as a status event; the run goes on without it).
 */
async function readHistory(
  ipc: RunnerIpc,
  logger: RunnerLogger,
): Promise<{ messages: ChatMessage[]; missing?: string }> {
  let file;
  try {
    file = await ipc.readHistory();
  } catch (error) {
    logger.error({ err: error }, 'could not read the session history');
    return { messages: [], missing: 'started without the session history: it could not be read' };
  }
  if (file === undefined) return { messages: [] };
  if (file.ok) return { messages: buildHistoryMessages(file.messages) };
  logger.error({ reason: file.reason, message: file.message }, 'started without the session history');
  return { messages: [], missing: `started without the session history (${file.reason}): ${file.message}` };
}

/** The runner stops before the Job's deadline, leaving time to write its result. */
export function deadlineMs(timeoutSeconds: number): number {
  const reserveSeconds = Math.min(15, timeoutSeconds * 0.1);
  return Math.max(1, timeoutSeconds - reserveSeconds) * 1000;
}

function failure(reason: RunFailureReason, error: string): RunResult {
  return {
    status: 'failed',
    reason,
    error: truncateText(error, runEventLimits.error),
    usage: { input: 0, output: 0 },
    toolCalls: 0,
    memoryUpdates: [],
  };
}

async function writeResult(
  config: RunnerConfig,
  ipc: RunnerIpc,
  result: RunResult,
  logger: RunnerLogger,
): Promise<void> {
  try {
    await ipc.writeResult(result);
  } catch (error) {
    logger.error({ err: error }, 'could not write the result file');
  }
  if (config.terminationMessageFile) {
    try {
      await writeFile(config.terminationMessageFile, terminationMessage(result));
    } catch (error) {
      logger.error({ err: error }, 'could not write the termination message');
    }
  }
}

/** The result as JSON within the kubelet's limit: the answer and memory entries are shortened first. */
export function terminationMessage(result: RunResult): string {
  const fits = (candidate: RunResult) =>
    Buffer.byteLength(JSON.stringify(candidate)) <= terminationMessageMaxBytes;
  if (fits(result)) return JSON.stringify(result);
  let shortened: RunResult = { ...result, truncated: true };
  const error = result.error ? truncateText(result.error, 1024) : undefined;
  shortened = { ...shortened, ...(error ? { error } : {}) };
  for (const budget of [2048, 1024, 256, 0]) {
    const response = result.response ? truncateText(result.response, budget) : undefined;
    const memoryUpdates = budget > 256 ? result.memoryUpdates.filter((e) => e.length <= budget / 2) : [];
    const candidate: RunResult = { ...shortened, memoryUpdates };
    if (response) candidate.response = response;
    else delete candidate.response;
    if (fits(candidate)) return JSON.stringify(candidate);
  }
  return JSON.stringify({
    ...failure(result.reason ?? 'RunnerError', 'result too large'),
    status: result.status,
  });
}
