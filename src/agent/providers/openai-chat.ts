// Chat Completions adapter, for OpenAI, Azure OpenAI, Ollama and any OpenAI-compatible server:
// streams the answer, hands text deltas to onText and reassembles tool calls from their deltas.
import type OpenAI from 'openai';
import type {
  ChatCompletionCreateParamsStreaming,
  ChatCompletionChunk,
  ChatCompletionMessageParam,
  ChatCompletionTool,
} from 'openai/resources/chat/completions';
import type { ThinkingLevel } from '../../api/index.ts';
import type {
  ChatMessage,
  CompleteOptions,
  ModelProvider,
  ModelRequest,
  ModelTurn,
  StopReason,
  ToolCall,
  ToolSpec,
} from '../model.ts';
import { streamTurn, type AdapterOptions } from './stream-turn.ts';
import { ProviderError } from './provider-error.ts';

export interface OpenAIChatOptions extends AdapterOptions {
  client: OpenAI;
  /** Send `reasoning_effort`: only servers and models known to accept it get it. */
  reasoningEffort: boolean;
  /** OpenAI and Azure want `max_completion_tokens`; other servers know `max_tokens`. */
  maxTokensField: 'max_completion_tokens' | 'max_tokens';
}

export function openAIChatProvider(options: OpenAIChatOptions): ModelProvider {
  return {
    name: 'openai-chat',
    complete: (request, callOptions) => complete(options, request, callOptions),
  };
}

export function chatRequestBody(
  options: Pick<OpenAIChatOptions, 'model' | 'reasoningEffort' | 'maxTokensField'>,
  request: ModelRequest,
): ChatCompletionCreateParamsStreaming {
  const body: ChatCompletionCreateParamsStreaming = {
    model: options.model,
    messages: chatMessages(request.system, request.messages),
    stream: true,
    stream_options: { include_usage: true },
  };
  if (request.tools.length > 0) body.tools = request.tools.map(chatTool);
  const effort = reasoningEffort(request.thinking);
  if (options.reasoningEffort && effort) body.reasoning_effort = effort;
  if (request.maxOutputTokens !== undefined) body[options.maxTokensField] = request.maxOutputTokens;
  return body;
}

function reasoningEffort(thinking: ThinkingLevel): 'low' | 'medium' | 'high' | undefined {
  return thinking === 'off' ? undefined : thinking;
}

function chatTool(tool: ToolSpec): ChatCompletionTool {
  return {
    type: 'function',
    function: { name: tool.name, description: tool.description, parameters: tool.parameters },
  };
}

function chatMessages(system: string, messages: readonly ChatMessage[]): ChatCompletionMessageParam[] {
  const out: ChatCompletionMessageParam[] = [];
  if (system) out.push({ role: 'system', content: system });
  for (const message of messages) {
    switch (message.role) {
      case 'user':
        out.push({ role: 'user', content: message.content });
        break;
      case 'assistant':
        if (message.toolCalls.length === 0) {
          out.push({ role: 'assistant', content: message.content });
        } else {
          out.push({
            role: 'assistant',
            // the API wants null, not '', when the turn was only tool calls
            content: message.content || null,
            tool_calls: message.toolCalls.map((call) => ({
              id: call.id,
              type: 'function',
              function: { name: call.name, arguments: call.arguments },
            })),
          });
        }
        break;
      case 'tool':
        out.push({ role: 'tool', tool_call_id: message.callId, content: message.content });
        break;
    }
  }
  return out;
}

function complete(
  options: OpenAIChatOptions,
  request: ModelRequest,
  callOptions: CompleteOptions,
): Promise<ModelTurn> {
  const turn = new ChatTurn();
  return streamTurn(
    options,
    callOptions,
    (signal) => options.client.chat.completions.create(chatRequestBody(options, request), { signal }),
    { add: (chunk, onText) => turn.add(chunk, onText), finish: () => turn.finish(options.label) },
  );
}

interface PartialCall {
  id: string;
  name: string;
  arguments: string;
}

/** Accumulates the chunks of one streamed answer. */
class ChatTurn {
  private text = '';
  private readonly calls = new Map<number, PartialCall>();
  private finishReason: string | undefined;
  private usage = { input: 0, output: 0 };

  add(chunk: ChatCompletionChunk, onText: ((delta: string) => void) | undefined): void {
    if (chunk.usage) {
      this.usage = { input: chunk.usage.prompt_tokens ?? 0, output: chunk.usage.completion_tokens ?? 0 };
    }
    // one choice is asked for (n defaults to 1)
    const choice = chunk.choices?.[0];
    if (!choice) return;
    const { content, refusal, tool_calls: toolCalls } = choice.delta ?? {};
    // a refusal is the model's answer too
    for (const piece of [content, refusal]) {
      if (!piece) continue;
      this.text += piece;
      onText?.(piece);
    }
    toolCalls?.forEach((delta, position) => {
      // some compatible servers leave out the index when they send whole calls
      const index = delta.index ?? position;
      const call = this.calls.get(index) ?? { id: '', name: '', arguments: '' };
      if (delta.id) call.id = delta.id;
      if (delta.function?.name) call.name += delta.function.name;
      if (delta.function?.arguments) call.arguments += delta.function.arguments;
      this.calls.set(index, call);
    });
    if (choice.finish_reason) this.finishReason = choice.finish_reason;
  }

  finish(label: string): ModelTurn {
    if (this.finishReason === undefined) {
      throw new ProviderError(
        'ProviderUnavailable',
        `${label} closed the stream before the answer was complete`,
      );
    }
    const toolCalls: ToolCall[] = [...this.calls.entries()]
      .sort(([a], [b]) => a - b)
      .map(([index, call]) => ({
        id: call.id || `call_${index}`,
        name: call.name,
        arguments: call.arguments || '{}',
      }));
    return {
      text: this.text,
      toolCalls,
      usage: this.usage,
      stopReason: stopReason(this.finishReason, toolCalls.length > 0),
    };
  }
}

function stopReason(finishReason: string, hasToolCalls: boolean): StopReason {
  switch (finishReason) {
    case 'tool_calls':
    case 'function_call':
      return 'tool_calls';
    case 'length':
      return 'max_tokens';
    case 'stop':
      // some compatible servers (older Ollama) say `stop` even when they called tools
      return hasToolCalls ? 'tool_calls' : 'end';
    default:
      return 'other';
  }
}
