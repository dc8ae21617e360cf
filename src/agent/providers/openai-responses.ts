// Responses API adapter, for OpenAI reasoning models. Nothing is stored at OpenAI (`store: false`),
// so the encrypted reasoning items of each answer travel in ReasoningState and are sent back as
// input on the next request, where the model needs them to carry on its reasoning across tool calls.
import type OpenAI from 'openai';
import type {
  FunctionTool,
  ResponseCreateParamsStreaming,
  ResponseInputItem,
  ResponseOutputItem,
  ResponseReasoningItem,
  ResponseStreamEvent,
  Response as ResponsesResponse,
} from 'openai/resources/responses/responses';
import type {
  ChatMessage,
  CompleteOptions,
  ModelProvider,
  ModelRequest,
  ModelTurn,
  ReasoningState,
  StopReason,
  ToolSpec,
} from '../model.ts';
import { streamTurn, type AdapterOptions } from './stream-turn.ts';
import { ProviderError, reasonForErrorType } from './provider-error.ts';

/** The `provider` of the ReasoningState this adapter writes and reads. */
export const responsesReasoningProvider = 'openai-responses';

export interface OpenAIResponsesOptions extends AdapterOptions {
  client: OpenAI;
}

export function openAIResponsesProvider(options: OpenAIResponsesOptions): ModelProvider {
  return {
    name: 'openai-responses',
    complete: (request, callOptions) => complete(options, request, callOptions),
  };
}

export function responsesRequestBody(model: string, request: ModelRequest): ResponseCreateParamsStreaming {
  const body: ResponseCreateParamsStreaming = {
    model,
    input: responsesInput(request.messages),
    store: false,
    include: ['reasoning.encrypted_content'],
    stream: true,
  };
  if (request.system) body.instructions = request.system;
  if (request.tools.length > 0) body.tools = request.tools.map(functionTool);
  if (request.thinking !== 'off') body.reasoning = { effort: request.thinking };
  if (request.maxOutputTokens !== undefined) body.max_output_tokens = request.maxOutputTokens;
  return body;
}

function functionTool(tool: ToolSpec): FunctionTool {
  return {
    type: 'function',
    name: tool.name,
    description: tool.description,
    parameters: tool.parameters,
    // the Responses API defaults to strict schemas, which ordinary JSON Schemas fail
    strict: false,
  };
}

function responsesInput(messages: readonly ChatMessage[]): ResponseInputItem[] {
  const input: ResponseInputItem[] = [];
  for (const message of messages) {
    switch (message.role) {
      case 'user':
        input.push({ type: 'message', role: 'user', content: message.content });
        break;
      case 'assistant':
        // reasoning first: it precedes the message and calls it led to
        input.push(...reasoningItems(message.reasoning));
        if (message.content) input.push({ type: 'message', role: 'assistant', content: message.content });
        for (const call of message.toolCalls) {
          input.push({ type: 'function_call', call_id: call.id, name: call.name, arguments: call.arguments });
        }
        break;
      case 'tool':
        input.push({ type: 'function_call_output', call_id: message.callId, output: message.content });
        break;
    }
  }
  return input;
}

function reasoningItems(state: ReasoningState | undefined): ResponseReasoningItem[] {
  if (state?.provider !== responsesReasoningProvider) return [];
  return state.items.filter(
    (item): item is ResponseReasoningItem =>
      typeof item === 'object' && item !== null && (item as { type?: unknown }).type === 'reasoning',
  );
}

function complete(
  options: OpenAIResponsesOptions,
  request: ModelRequest,
  callOptions: CompleteOptions,
): Promise<ModelTurn> {
  return streamTurn(
    options,
    callOptions,
    (signal) => options.client.responses.create(responsesRequestBody(options.model, request), { signal }),
    new ResponsesTurn(options.label),
  );
}

class ResponsesTurn {
  private readonly label: string;
  private text = '';
  /** Finished output items by output index, as `response.output_item.done` delivers them. */
  private readonly items = new Map<number, ResponseOutputItem>();
  private final: ResponsesResponse | undefined;

  constructor(label: string) {
    this.label = label;
  }

  add(event: ResponseStreamEvent, onText: ((delta: string) => void) | undefined): void {
    switch (event.type) {
      case 'response.output_text.delta':
      case 'response.refusal.delta':
        this.text += event.delta;
        onText?.(event.delta);
        break;
      case 'response.output_item.done':
        this.items.set(event.output_index, event.item);
        break;
      case 'response.completed':
      case 'response.incomplete':
        this.final = event.response;
        break;
      case 'response.failed': {
        const failure = event.response.error;
        throw new ProviderError(
          reasonForErrorType(failure?.code),
          `${this.label} failed while answering: ${failure?.message ?? 'no error message'}`,
        );
      }
      case 'error':
        throw new ProviderError(
          reasonForErrorType(event.code ?? undefined),
          `${this.label} failed while answering: ${event.message}`,
        );
    }
  }

  finish(): ModelTurn {
    const final = this.final;
    if (!final) {
      throw new ProviderError(
        'ProviderUnavailable',
        `${this.label} closed the stream before the answer was complete`,
      );
    }
    const output =
      this.items.size > 0
        ? [...this.items.entries()].sort(([a], [b]) => a - b).map(([, item]) => item)
        : final.output;
    const toolCalls = output.flatMap((item) =>
      item.type === 'function_call'
        ? [{ id: item.call_id, name: item.name, arguments: item.arguments || '{}' }]
        : [],
    );
    const reasoning = output.filter((item) => item.type === 'reasoning');
    const text = this.text || messageText(output);
    return {
      text,
      toolCalls,
      ...(reasoning.length > 0
        ? { reasoning: { provider: responsesReasoningProvider, items: reasoning } }
        : {}),
      usage: { input: final.usage?.input_tokens ?? 0, output: final.usage?.output_tokens ?? 0 },
      stopReason: stopReason(final, toolCalls.length > 0),
    };
  }
}

function messageText(output: readonly ResponseOutputItem[]): string {
  return output
    .flatMap((item) => (item.type === 'message' ? item.content : []))
    .map((part) => (part.type === 'output_text' ? part.text : part.refusal))
    .join('');
}

function stopReason(response: ResponsesResponse, hasToolCalls: boolean): StopReason {
  if (response.status === 'incomplete') {
    return response.incomplete_details?.reason === 'max_output_tokens' ? 'max_tokens' : 'other';
  }
  if (hasToolCalls) return 'tool_calls';
  return response.status === 'completed' || response.status === undefined ? 'end' : 'other';
}
