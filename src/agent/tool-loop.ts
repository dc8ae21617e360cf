// The agent's conversation with its model: ask, run the tools it calls, feed the results back, until
// it answers without tool calls, the iteration cap is reached or the deadline passes. Follow-up
// messages that arrived meanwhile are added as user turns before the loop would end. Every step is
// reported through `emit`; the outcome is a value, provider failures included.
import type { RunEventBody, RunFailureReason, ThinkingLevel, TokenUsage } from '../api/index.ts';
import { runEventLimits } from '../api/index.ts';
import type { ChatMessage, ModelProvider, ToolSpec } from './model.ts';
import { ProviderError } from './providers/index.ts';
import { truncateText } from './truncate.ts';

export type ToolOutcome = 'ok' | 'error' | 'refused';

export interface ToolInvoker {
  specs: readonly ToolSpec[];
  call(
    name: string,
    rawArguments: string,
    context: { signal: AbortSignal },
  ): Promise<{ content: string; isError: boolean; outcome: ToolOutcome }>;
}

export interface ToolLoopInput {
  system: string;
  /** Earlier turns of the run's session, sent before the task (see history-messages.ts). */
  history?: readonly ChatMessage[];
  task: string;
  thinking: ThinkingLevel;
  maxIterations: number;
  provider: ModelProvider;
  tools: ToolInvoker;
  /** Aborts at the run's deadline. */
  signal: AbortSignal;
  emit: (body: RunEventBody) => Promise<void>;
  /**
   * Follow-up messages that arrived since the last call; asked only when the loop would end. Empty
   * must mean none will be accepted any more: the loop ends on it.
   */
  takeFollowUps?: () => Promise<string[]>;
  maxOutputTokens?: number;
}

export interface ToolLoopOutcome {
  ok: boolean;
  response: string;
  error?: string;
  reason?: RunFailureReason;
  usage: TokenUsage;
  toolCalls: number;
  iterations: number;
}

/** Tool output above this is cut before it goes back to the model. */
const maxToolResultChars = 32 * 1024;

export async function runToolLoop(input: ToolLoopInput): Promise<ToolLoopOutcome> {
  const messages: ChatMessage[] = [...(input.history ?? []), { role: 'user', content: input.task }];
  const usage: TokenUsage = { input: 0, output: 0 };
  let toolCalls = 0;
  let lastText = '';
  const outcome = (fields: Partial<ToolLoopOutcome> & { ok: boolean }, iterations: number) => ({
    response: lastText,
    usage,
    toolCalls,
    iterations,
    ...fields,
  });

  for (let iteration = 1; iteration <= input.maxIterations; iteration++) {
    if (input.signal.aborted) return outcome(deadlineFailure(), iteration - 1);
    await input.emit({ type: 'status', message: `asking the model (step ${iteration})`, iteration });
    const chunks = new ChunkBuffer(input.emit);
    let turn;
    try {
      turn = await input.provider.complete(
        {
          system: input.system,
          messages,
          tools: input.tools.specs,
          thinking: input.thinking,
          ...(input.maxOutputTokens ? { maxOutputTokens: input.maxOutputTokens } : {}),
        },
        { signal: input.signal, onText: (delta) => chunks.add(delta) },
      );
    } catch (error) {
      await chunks.flush();
      if (input.signal.aborted) return outcome(deadlineFailure(), iteration);
      if (error instanceof ProviderError) {
        return outcome({ ok: false, error: error.message, reason: error.reason }, iteration);
      }
      throw error;
    }
    await chunks.flush();
    usage.input += turn.usage.input;
    usage.output += turn.usage.output;
    if (turn.text) lastText = turn.text;
    messages.push({
      role: 'assistant',
      content: turn.text,
      toolCalls: turn.toolCalls,
      ...(turn.reasoning ? { reasoning: turn.reasoning } : {}),
    });

    if (turn.toolCalls.length === 0) {
      const followUps = (await input.takeFollowUps?.()) ?? [];
      if (followUps.length === 0) return outcome({ ok: true, response: turn.text }, iteration);
      for (const text of followUps) messages.push({ role: 'user', content: text });
      continue;
    }
    for (const call of turn.toolCalls) {
      toolCalls++;
      const result = await input.tools.call(call.name, call.arguments, { signal: input.signal });
      const content = truncateText(result.content, maxToolResultChars);
      messages.push({
        role: 'tool',
        callId: call.id,
        name: call.name,
        content,
        isError: result.isError,
      });
      await input.emit({
        type: 'tool_call',
        callId: call.id.slice(0, 256),
        tool: call.name.slice(0, 64),
        arguments: truncateText(call.arguments, runEventLimits.toolArguments),
        outcome: result.outcome,
        summary: truncateText(content, runEventLimits.toolSummary),
      });
      if (input.signal.aborted) return outcome(deadlineFailure(), iteration);
    }
  }
  return outcome(
    {
      ok: false,
      reason: 'ToolLoopLimit',
      error: `the model was still calling tools after ${input.maxIterations} steps, the most this run allows`,
    },
    input.maxIterations,
  );
}

function deadlineFailure(): { ok: false; reason: RunFailureReason; error: string } {
  return {
    ok: false,
    reason: 'DeadlineExceeded',
    error: 'the run reached its deadline before the model finished',
  };
}

/** Streams answer text as chunk events without one event per token: flushes at a size or a pause. */
class ChunkBuffer {
  private pending = '';
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();
  private readonly emit: (body: RunEventBody) => Promise<void>;

  constructor(emit: (body: RunEventBody) => Promise<void>) {
    this.emit = emit;
  }

  add(delta: string): void {
    this.pending += delta;
    if (this.pending.length >= 2048) void this.flush();
    else this.timer ??= setTimeout(() => void this.flush(), 250);
  }

  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const text = this.pending;
    this.pending = '';
    if (text) {
      this.writing = this.writing.then(async () => {
        for (let start = 0; start < text.length; start += runEventLimits.chunkText) {
          await this.emit({ type: 'chunk', text: text.slice(start, start + runEventLimits.chunkText) });
        }
      });
    }
    return this.writing;
  }
}
