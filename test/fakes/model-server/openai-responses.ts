// OpenAI Responses API: a `response` object with output items (reasoning, message,
// function_call), or its typed SSE events, each with a `sequence_number`.
import type { ServerResponse } from 'node:http';
import { newId, sealReasoning, unsealReasoning, type Answer, type RequestView } from './answer.ts';
import { openAiErrorBody, RequestError } from './errors.ts';
import {
  contentText,
  countRuns,
  optionalCount,
  requireList,
  requireModel,
  type WireFormat,
} from './format.ts';
import { splitArguments, splitText, startEventStream, writeEvent } from './sse.ts';

const TEXT_PARTS = ['input_text', 'output_text', 'text'];
const ROLES = ['user', 'assistant', 'system', 'developer'];
const ITEM_TYPES = ['message', 'function_call', 'function_call_output', 'reasoning'];

function inspect(body: Record<string, unknown>, deployment: string | undefined): RequestView {
  const model = requireModel(body, deployment);
  const items =
    typeof body.input === 'string' ? [{ role: 'user', content: body.input }] : requireList(body, 'input');
  items.forEach(checkItem);
  checkToolOutputs(items);
  const instructions = typeof body.instructions === 'string' ? [body.instructions] : [];
  const systemMessages = items
    .filter((i) => i.role === 'system' || i.role === 'developer')
    .map((i) => contentText(i.content, TEXT_PARTS));
  const firstUser = items.find((i) => i.role === 'user');
  return {
    model,
    stream: body.stream === true,
    system: [...instructions, ...systemMessages].join('\n'),
    firstUserText: contentText(firstUser?.content, TEXT_PARTS),
    assistantTurns: countRuns(
      items,
      (i) => i.role === 'assistant' || i.type === 'function_call' || i.type === 'reasoning',
    ),
    maxOutputTokens: optionalCount(body, 'max_output_tokens'),
    inputChars:
      JSON.stringify(items).length + JSON.stringify(body.tools ?? []).length + instructions.join().length,
  };
}

function checkItem(item: Record<string, unknown>, i: number): void {
  const type = item.type ?? 'message';
  if (typeof type !== 'string' || !ITEM_TYPES.includes(type)) {
    throw new RequestError(400, `input[${i}].type: this server accepts only ${ITEM_TYPES.join(', ')} items.`);
  }
  if (type === 'message' && (typeof item.role !== 'string' || !ROLES.includes(item.role))) {
    throw new RequestError(400, `input[${i}].role: must be one of ${ROLES.join(', ')}.`);
  }
  if ((type === 'function_call' || type === 'function_call_output') && typeof item.call_id !== 'string') {
    throw new RequestError(400, `input[${i}].call_id: required for ${type} items.`);
  }
  if (
    type === 'reasoning' &&
    item.encrypted_content != null &&
    unsealReasoning(item.encrypted_content) === undefined
  ) {
    throw new RequestError(
      400,
      `input[${i}]: the encrypted content of reasoning item ${String(item.id)} could not be verified.`,
    );
  }
}

/** Every function_call has an output, and every output answers an earlier function_call. */
function checkToolOutputs(items: Record<string, unknown>[]): void {
  const calls = new Set<unknown>();
  const answered = new Set<unknown>();
  for (const item of items) {
    if (item.type === 'function_call') calls.add(item.call_id);
    if (item.type !== 'function_call_output') continue;
    if (!calls.has(item.call_id)) {
      throw new RequestError(
        400,
        `No tool call found for function call output with call_id ${String(item.call_id)}.`,
      );
    }
    answered.add(item.call_id);
  }
  for (const id of calls) {
    if (!answered.has(id))
      throw new RequestError(400, `No tool output found for function call ${String(id)}.`);
  }
}

type Item = Record<string, unknown> & { id: string; type: string };

function outputItems(answer: Answer, body: Record<string, unknown>): Item[] {
  const items: Item[] = [];
  if (answer.thinking !== undefined) {
    const include = Array.isArray(body.include) ? body.include : [];
    items.push({
      id: newId('rs_'),
      type: 'reasoning',
      summary: [{ type: 'summary_text', text: answer.thinking }],
      ...(include.includes('reasoning.encrypted_content')
        ? { encrypted_content: sealReasoning(answer.thinking) }
        : {}),
    });
  }
  if (answer.text !== '' || answer.toolCalls.length === 0) {
    items.push({
      id: newId('msg_'),
      type: 'message',
      status: answer.stop === 'max_tokens' ? 'incomplete' : 'completed',
      role: 'assistant',
      content: [{ type: 'output_text', text: answer.text, annotations: [], logprobs: [] }],
    });
  }
  for (const call of answer.toolCalls) {
    items.push({
      id: newId('fc_'),
      type: 'function_call',
      status: 'completed',
      arguments: call.arguments,
      call_id: newId('call_'),
      name: call.name,
    });
  }
  return items;
}

function usageOf(answer: Answer) {
  const { input, output, reasoning } = answer.usage;
  return {
    input_tokens: input,
    input_tokens_details: { cached_tokens: 0 },
    output_tokens: output,
    output_tokens_details: { reasoning_tokens: reasoning },
    total_tokens: input + output,
  };
}

function respond(
  res: ServerResponse,
  answer: Answer,
  view: RequestView,
  body: Record<string, unknown>,
): void {
  const id = newId('resp_');
  const createdAt = Math.floor(Date.now() / 1000);
  const reasoning = (body.reasoning ?? {}) as { effort?: unknown; summary?: unknown };
  const final = answer.stop === 'max_tokens' ? 'incomplete' : 'completed';
  const response = (status: string, output: Item[], usage: unknown) => ({
    id,
    object: 'response',
    created_at: createdAt,
    status,
    error: null,
    incomplete_details: status === 'incomplete' ? { reason: 'max_output_tokens' } : null,
    instructions: body.instructions ?? null,
    max_output_tokens: body.max_output_tokens ?? null,
    model: view.model,
    output,
    parallel_tool_calls: body.parallel_tool_calls ?? true,
    previous_response_id: body.previous_response_id ?? null,
    reasoning: { effort: reasoning.effort ?? null, summary: reasoning.summary ?? null },
    store: body.store ?? true,
    temperature: body.temperature ?? 1,
    text: body.text ?? { format: { type: 'text' } },
    tool_choice: body.tool_choice ?? 'auto',
    tools: body.tools ?? [],
    top_p: body.top_p ?? 1,
    truncation: body.truncation ?? 'disabled',
    usage,
    metadata: body.metadata ?? {},
  });
  const items = outputItems(answer, body);
  if (!view.stream) {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(response(final, items, usageOf(answer))));
    return;
  }

  let sequence = 0;
  const emit = (type: string, fields: Record<string, unknown>) =>
    writeEvent(res, type, { type, sequence_number: sequence++, ...fields });
  startEventStream(res);
  emit('response.created', { response: response('in_progress', [], null) });
  emit('response.in_progress', { response: response('in_progress', [], null) });
  items.forEach((item, output_index) => {
    const at = { item_id: item.id, output_index };
    if (item.type === 'reasoning') {
      const text = answer.thinking ?? '';
      const part = { type: 'summary_text', text };
      emit('response.output_item.added', {
        output_index,
        item: { id: item.id, type: 'reasoning', summary: [] },
      });
      emit('response.reasoning_summary_part.added', { ...at, summary_index: 0, part: { ...part, text: '' } });
      for (const delta of splitText(text)) {
        emit('response.reasoning_summary_text.delta', { ...at, summary_index: 0, delta });
      }
      emit('response.reasoning_summary_text.done', { ...at, summary_index: 0, text });
      emit('response.reasoning_summary_part.done', { ...at, summary_index: 0, part });
    } else if (item.type === 'message') {
      const part = { type: 'output_text', text: answer.text, annotations: [], logprobs: [] };
      emit('response.output_item.added', {
        output_index,
        item: { ...item, status: 'in_progress', content: [] },
      });
      emit('response.content_part.added', { ...at, content_index: 0, part: { ...part, text: '' } });
      for (const delta of splitText(answer.text)) {
        emit('response.output_text.delta', { ...at, content_index: 0, delta, logprobs: [] });
      }
      emit('response.output_text.done', { ...at, content_index: 0, text: answer.text, logprobs: [] });
      emit('response.content_part.done', { ...at, content_index: 0, part });
    } else {
      const args = String(item.arguments);
      emit('response.output_item.added', {
        output_index,
        item: { ...item, status: 'in_progress', arguments: '' },
      });
      for (const delta of splitArguments(args))
        emit('response.function_call_arguments.delta', { ...at, delta });
      emit('response.function_call_arguments.done', { ...at, name: item.name, arguments: args });
    }
    emit('response.output_item.done', { output_index, item });
  });
  emit(`response.${final}`, { response: response(final, items, usageOf(answer)) });
  res.end();
}

export const openAiResponses: WireFormat = {
  format: 'openai-responses',
  inspect,
  errorBody: openAiErrorBody,
  respond,
};
