// Messages API adapter for Anthropic: streams the answer, hands text deltas to onText and keeps the
// thinking blocks (with their signatures) in ReasoningState, because the API wants them back,
// unchanged and first, in the assistant turn that continues after a tool call.
import type Anthropic from '@anthropic-ai/sdk';
import type {
  ContentBlockParam,
  MessageCreateParamsStreaming,
  MessageParam,
  RawMessageStreamEvent,
  RedactedThinkingBlockParam,
  StopReason as AnthropicStopReason,
  ThinkingBlockParam,
  Tool,
  ToolResultBlockParam,
} from '@anthropic-ai/sdk/resources/messages/messages';
import type { ThinkingLevel } from '../../api/index.ts';
import type {
  ChatMessage,
  CompleteOptions,
  ModelProvider,
  ModelRequest,
  ModelTurn,
  ReasoningState,
  StopReason,
  ToolCall,
  ToolSpec,
} from '../model.ts';
import { streamTurn, type AdapterOptions } from './stream-turn.ts';
import { ProviderError } from './provider-error.ts';

/** The `provider` of the ReasoningState this adapter writes and reads. */
export const anthropicReasoningProvider = 'anthropic';

/** Thinking budgets per level: the API's minimum is 1024. */
export const thinkingBudgets: Record<Exclude<ThinkingLevel, 'off'>, number> = {
  low: 2048,
  medium: 8192,
  high: 16384,
};

/** Room for the answer itself when the request names no limit; thinking comes on top. */
export const defaultAnswerTokens = 8192;

export interface AnthropicOptions extends AdapterOptions {
  client: Anthropic;
}

export function anthropicProvider(options: AnthropicOptions): ModelProvider {
  return {
    name: 'anthropic',
    complete: (request, callOptions) => complete(options, request, callOptions),
  };
}

export function anthropicRequestBody(model: string, request: ModelRequest): MessageCreateParamsStreaming {
  const answerTokens = request.maxOutputTokens ?? defaultAnswerTokens;
  const budget = request.thinking === 'off' ? undefined : thinkingBudgets[request.thinking];
  const body: MessageCreateParamsStreaming = {
    model,
    // max_tokens counts thinking too, and must exceed the budget
    max_tokens: budget === undefined ? answerTokens : budget + answerTokens,
    messages: anthropicMessages(request.messages),
    stream: true,
  };
  if (request.system) body.system = request.system;
  if (request.tools.length > 0) body.tools = request.tools.map(anthropicTool);
  if (budget !== undefined) body.thinking = { type: 'enabled', budget_tokens: budget };
  return body;
}

function anthropicTool(tool: ToolSpec): Tool {
  return {
    name: tool.name,
    description: tool.description,
    input_schema: tool.parameters as Tool.InputSchema,
  };
}

/**
 * Tool results go back as `tool_result` blocks in a user turn; consecutive results (and a user
 * message right after them) share one user turn, since the results must directly follow the
 * assistant turn that asked for them.
 */
function anthropicMessages(messages: readonly ChatMessage[]): MessageParam[] {
  const out: { role: 'user' | 'assistant'; content: ContentBlockParam[] }[] = [];
  const addUserBlock = (block: ContentBlockParam) => {
    const last = out.at(-1);
    if (last?.role === 'user') last.content.push(block);
    else out.push({ role: 'user', content: [block] });
  };
  for (const message of messages) {
    switch (message.role) {
      case 'user':
        if (message.content) addUserBlock({ type: 'text', text: message.content });
        break;
      case 'tool':
        addUserBlock(toolResult(message));
        break;
      case 'assistant': {
        const content: ContentBlockParam[] = [...thinkingBlocks(message.reasoning)];
        // the API rejects empty text blocks
        if (message.content) content.push({ type: 'text', text: message.content });
        for (const call of message.toolCalls) {
          content.push({ type: 'tool_use', id: call.id, name: call.name, input: toolInput(call) });
        }
        if (content.length > 0) out.push({ role: 'assistant', content });
        break;
      }
    }
  }
  return out;
}

function toolResult(message: Extract<ChatMessage, { role: 'tool' }>): ToolResultBlockParam {
  return {
    type: 'tool_result',
    tool_use_id: message.callId,
    content: message.content || '(no output)',
    is_error: message.isError,
  };
}

function toolInput(call: ToolCall): Record<string, unknown> {
  try {
    const input: unknown = JSON.parse(call.arguments || '{}');
    return typeof input === 'object' && input !== null && !Array.isArray(input)
      ? (input as Record<string, unknown>)
      : {};
  } catch {
    return {};
  }
}

function thinkingBlocks(
  state: ReasoningState | undefined,
): (ThinkingBlockParam | RedactedThinkingBlockParam)[] {
  if (state?.provider !== anthropicReasoningProvider) return [];
  return state.items.filter((item): item is ThinkingBlockParam | RedactedThinkingBlockParam => {
    const type = typeof item === 'object' && item !== null ? (item as { type?: unknown }).type : undefined;
    return type === 'thinking' || type === 'redacted_thinking';
  });
}

function complete(
  options: AnthropicOptions,
  request: ModelRequest,
  callOptions: CompleteOptions,
): Promise<ModelTurn> {
  const turn = new AnthropicTurn();
  return streamTurn(
    options,
    callOptions,
    (signal) => options.client.messages.create(anthropicRequestBody(options.model, request), { signal }),
    { add: (event, onText) => turn.add(event, onText), finish: () => turn.finish(options.label) },
  );
}

type Block =
  | { type: 'text'; text: string }
  | { type: 'thinking'; thinking: string; signature: string }
  | { type: 'redacted_thinking'; data: string }
  | { type: 'tool_use'; id: string; name: string; json: string; input: unknown }
  | { type: 'other' };

class AnthropicTurn {
  private readonly blocks = new Map<number, Block>();
  private stopReason: AnthropicStopReason | null = null;
  private stopped = false;
  private inputTokens = 0;
  private outputTokens = 0;

  add(event: RawMessageStreamEvent, onText: ((delta: string) => void) | undefined): void {
    switch (event.type) {
      case 'message_start': {
        const usage = event.message.usage;
        this.inputTokens =
          usage.input_tokens +
          (usage.cache_creation_input_tokens ?? 0) +
          (usage.cache_read_input_tokens ?? 0);
        this.outputTokens = usage.output_tokens;
        break;
      }
      case 'content_block_start':
        this.blocks.set(event.index, startBlock(event.content_block));
        break;
      case 'content_block_delta': {
        const block = this.blocks.get(event.index);
        const delta = event.delta;
        if (delta.type === 'text_delta' && block?.type === 'text') {
          block.text += delta.text;
          onText?.(delta.text);
        } else if (delta.type === 'thinking_delta' && block?.type === 'thinking') {
          block.thinking += delta.thinking;
        } else if (delta.type === 'signature_delta' && block?.type === 'thinking') {
          block.signature += delta.signature;
        } else if (delta.type === 'input_json_delta' && block?.type === 'tool_use') {
          block.json += delta.partial_json;
        }
        break;
      }
      case 'message_delta':
        this.stopReason = event.delta.stop_reason ?? this.stopReason;
        // message_delta counts are cumulative
        this.outputTokens = event.usage.output_tokens;
        if (event.usage.input_tokens != null) {
          this.inputTokens =
            event.usage.input_tokens +
            (event.usage.cache_creation_input_tokens ?? 0) +
            (event.usage.cache_read_input_tokens ?? 0);
        }
        break;
      case 'message_stop':
        this.stopped = true;
        break;
    }
  }

  finish(label: string): ModelTurn {
    if (!this.stopped) {
      throw new ProviderError(
        'ProviderUnavailable',
        `${label} closed the stream before the answer was complete`,
      );
    }
    const blocks = [...this.blocks.entries()].sort(([a], [b]) => a - b).map(([, block]) => block);
    const text = blocks.map((block) => (block.type === 'text' ? block.text : '')).join('');
    const toolCalls: ToolCall[] = blocks.flatMap((block) =>
      block.type === 'tool_use' ? [{ id: block.id, name: block.name, arguments: toolArguments(block) }] : [],
    );
    const reasoning = blocks.flatMap((block): (ThinkingBlockParam | RedactedThinkingBlockParam)[] =>
      block.type === 'thinking'
        ? [{ type: 'thinking', thinking: block.thinking, signature: block.signature }]
        : block.type === 'redacted_thinking'
          ? [{ type: 'redacted_thinking', data: block.data }]
          : [],
    );
    return {
      text,
      toolCalls,
      ...(reasoning.length > 0
        ? { reasoning: { provider: anthropicReasoningProvider, items: reasoning } }
        : {}),
      usage: { input: this.inputTokens, output: this.outputTokens },
      stopReason: stopReason(this.stopReason),
    };
  }
}

function startBlock(
  block: Extract<RawMessageStreamEvent, { type: 'content_block_start' }>['content_block'],
): Block {
  switch (block.type) {
    case 'text':
      return { type: 'text', text: block.text };
    case 'thinking':
      return { type: 'thinking', thinking: block.thinking, signature: block.signature ?? '' };
    case 'redacted_thinking':
      return { type: 'redacted_thinking', data: block.data };
    case 'tool_use':
      return { type: 'tool_use', id: block.id, name: block.name, json: '', input: block.input };
    default:
      return { type: 'other' };
  }
}

/** The JSON text of the tool input, normalised so that it does not depend on how it was streamed. */
function toolArguments(block: Extract<Block, { type: 'tool_use' }>): string {
  if (!block.json) return JSON.stringify(block.input ?? {});
  try {
    return JSON.stringify(JSON.parse(block.json));
  } catch {
    return block.json;
  }
}

function stopReason(reason: AnthropicStopReason | null): StopReason {
  switch (reason) {
    case 'end_turn':
    case 'stop_sequence':
      return 'end';
    case 'tool_use':
      return 'tool_calls';
    case 'max_tokens':
    case 'model_context_window_exceeded':
      return 'max_tokens';
    default:
      return 'other';
  }
}
