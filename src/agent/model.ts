// The provider-neutral conversation the tool loop holds, and the one interface every provider
// adapter implements. Adapters translate it to and from their wire format; nothing outside
// src/agent/providers knows a wire format.
import type { ThinkingLevel, TokenUsage } from '../api/index.ts';

/** A call the model asked for. `arguments` is the raw JSON text the model produced. */
export interface ToolCall {
  id: string;
  name: string;
  arguments: string;
}

/**
 * Provider state that must be sent back unchanged on the next request (Anthropic thinking blocks,
 * OpenAI Responses reasoning items). Only the adapter named by `provider` reads `items`.
 */
export interface ReasoningState {
  provider: string;
  items: unknown[];
}

export type ChatMessage =
  | { role: 'user'; content: string }
  | { role: 'assistant'; content: string; toolCalls: ToolCall[]; reasoning?: ReasoningState }
  | { role: 'tool'; callId: string; name: string; content: string; isError: boolean };

/** A tool as offered to the model: `parameters` is a JSON Schema object. */
export interface ToolSpec {
  name: string;
  description: string;
  parameters: Record<string, unknown>;
}

export interface ModelRequest {
  system: string;
  messages: readonly ChatMessage[];
  tools: readonly ToolSpec[];
  thinking: ThinkingLevel;
  maxOutputTokens?: number;
}

export type StopReason = 'end' | 'tool_calls' | 'max_tokens' | 'other';

/** One answer of the model: text, tool calls, or both. */
export interface ModelTurn {
  text: string;
  toolCalls: ToolCall[];
  reasoning?: ReasoningState;
  usage: TokenUsage;
  stopReason: StopReason;
}

export interface CompleteOptions {
  signal: AbortSignal;
  /** Called with each piece of answer text as it streams in. */
  onText?: (delta: string) => void;
}

export interface ModelProvider {
  /** e.g. `openai-chat`, `openai-responses`, `anthropic`. */
  readonly name: string;
  complete(request: ModelRequest, options: CompleteOptions): Promise<ModelTurn>;
}
