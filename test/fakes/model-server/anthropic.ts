// Anthropic Messages: a `message` with content blocks (thinking, text, tool_use), or the
// message_start / content_block_* / message_delta / message_stop event stream.
import type { ServerResponse } from 'node:http';
import {
  newId,
  signThinking,
  verifyThinking,
  type Answer,
  type AnswerStop,
  type RequestView,
} from './answer.ts';
import { anthropicErrorBody, RequestError } from './errors.ts';
import {
  contentText,
  countRuns,
  optionalCount,
  requireList,
  requireModel,
  type WireFormat,
} from './format.ts';
import { splitArguments, splitText, startEventStream, writeEvent } from './sse.ts';

const TEXT_PARTS = ['text'];

const stopReasons: Record<AnswerStop, string> = {
  end: 'end_turn',
  tool_calls: 'tool_use',
  max_tokens: 'max_tokens',
};

type Block = Record<string, unknown>;

function blocksOf(message: Record<string, unknown>): Block[] {
  return Array.isArray(message.content) ? (message.content as Block[]) : [];
}

function inspect(body: Record<string, unknown>): RequestView {
  const model = requireModel(body, undefined);
  const maxTokens = optionalCount(body, 'max_tokens');
  if (maxTokens === undefined) throw new RequestError(400, 'max_tokens: Field required');
  const messages = requireList(body, 'messages');
  messages.forEach((m, i) => {
    if (m.role !== 'user' && m.role !== 'assistant') {
      throw new RequestError(400, `messages.${i}.role: Input should be 'user' or 'assistant'`);
    }
    if (typeof m.content !== 'string' && !Array.isArray(m.content)) {
      throw new RequestError(400, `messages.${i}.content: Input should be a valid string or list`);
    }
  });
  checkThinkingSignatures(messages);
  checkToolResults(messages);
  const firstUser = messages.find((m) => m.role === 'user');
  return {
    model,
    stream: body.stream === true,
    system: contentText(body.system, TEXT_PARTS),
    firstUserText: contentText(firstUser?.content, TEXT_PARTS),
    assistantTurns: countRuns(messages, (m) => m.role === 'assistant'),
    maxOutputTokens: maxTokens,
    inputChars:
      JSON.stringify(messages).length +
      JSON.stringify(body.system ?? '').length +
      JSON.stringify(body.tools ?? []).length,
  };
}

function checkThinkingSignatures(messages: Record<string, unknown>[]): void {
  messages.forEach((m, i) =>
    blocksOf(m).forEach((block, j) => {
      if (block.type === 'thinking' && !verifyThinking(String(block.thinking), block.signature)) {
        throw new RequestError(
          400,
          `messages.${i}.content.${j}: Invalid \`signature\` in \`thinking\` block`,
        );
      }
    }),
  );
}

/** tool_use blocks are answered by tool_result blocks in the very next (user) message. */
function checkToolResults(messages: Record<string, unknown>[]): void {
  messages.forEach((m, i) => {
    const previous = messages[i - 1];
    const asked =
      previous?.role === 'assistant' ? blocksOf(previous).filter((b) => b.type === 'tool_use') : [];
    const askedIds = new Set(asked.map((b) => b.id));
    const results = m.role === 'user' ? blocksOf(m).filter((b) => b.type === 'tool_result') : [];
    for (const result of results) {
      if (!askedIds.has(result.tool_use_id)) {
        throw new RequestError(
          400,
          `messages.${i}: unexpected \`tool_use_id\` found in \`tool_result\` blocks: ${String(result.tool_use_id)}. ` +
            'Each `tool_result` block must have a corresponding `tool_use` block in the previous message.',
        );
      }
      askedIds.delete(result.tool_use_id);
    }
    if (askedIds.size > 0) {
      throw new RequestError(
        400,
        `messages.${i - 1}: \`tool_use\` ids were found without \`tool_result\` blocks immediately after: ` +
          `${[...askedIds].join(', ')}. Each \`tool_use\` block must have a corresponding \`tool_result\` block in the next message.`,
      );
    }
  });
  const last = messages.at(-1);
  const dangling = last?.role === 'assistant' ? blocksOf(last).filter((b) => b.type === 'tool_use') : [];
  if (dangling.length > 0) {
    throw new RequestError(
      400,
      `messages.${messages.length - 1}: \`tool_use\` ids were found without \`tool_result\` blocks immediately after: ` +
        `${dangling.map((b) => String(b.id)).join(', ')}.`,
    );
  }
}

function thinkingEnabled(body: Record<string, unknown>): boolean {
  const type = (body.thinking as { type?: unknown } | undefined)?.type;
  return type === 'enabled' || type === 'adaptive';
}

/** Arguments that are not JSON are passed on as the raw string, so clients see them unchanged. */
function inputOf(args: string): unknown {
  try {
    return JSON.parse(args);
  } catch {
    return args;
  }
}

function contentBlocks(answer: Answer, body: Record<string, unknown>): Block[] {
  const blocks: Block[] = [];
  if (answer.thinking !== undefined && thinkingEnabled(body)) {
    blocks.push({ type: 'thinking', thinking: answer.thinking, signature: signThinking(answer.thinking) });
  }
  if (answer.text !== '' || answer.toolCalls.length === 0) blocks.push({ type: 'text', text: answer.text });
  for (const call of answer.toolCalls) {
    blocks.push({
      type: 'tool_use',
      id: newId('toolu_'),
      name: call.name,
      input: inputOf(call.arguments),
      raw: call.arguments,
    });
  }
  return blocks;
}

function respond(
  res: ServerResponse,
  answer: Answer,
  view: RequestView,
  body: Record<string, unknown>,
): void {
  const id = newId('msg_');
  const blocks = contentBlocks(answer, body);
  const usage = (output: number) => ({
    input_tokens: answer.usage.input,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: 0,
    output_tokens: output,
  });
  const message = (content: Block[], stopReason: string | null, output: number) => ({
    id,
    type: 'message',
    role: 'assistant',
    model: view.model,
    content,
    stop_reason: stopReason,
    stop_sequence: null,
    usage: usage(output),
  });
  const stopReason = stopReasons[answer.stop];
  if (!view.stream) {
    const content = blocks.map(({ raw: _raw, ...block }) => block);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(message(content, stopReason, answer.usage.output)));
    return;
  }

  const emit = (type: string, fields: Record<string, unknown> = {}) =>
    writeEvent(res, type, { type, ...fields });
  startEventStream(res);
  emit('message_start', { message: message([], null, 1) });
  emit('ping');
  blocks.forEach((block, index) => {
    const delta = (d: Record<string, unknown>) => emit('content_block_delta', { index, delta: d });
    if (block.type === 'thinking') {
      emit('content_block_start', {
        index,
        content_block: { type: 'thinking', thinking: '', signature: '' },
      });
      for (const thinking of splitText(String(block.thinking))) delta({ type: 'thinking_delta', thinking });
      delta({ type: 'signature_delta', signature: block.signature });
    } else if (block.type === 'text') {
      emit('content_block_start', { index, content_block: { type: 'text', text: '' } });
      for (const text of splitText(String(block.text))) delta({ type: 'text_delta', text });
    } else {
      emit('content_block_start', {
        index,
        content_block: { type: 'tool_use', id: block.id, name: block.name, input: {} },
      });
      for (const partial_json of splitArguments(String(block.raw)))
        delta({ type: 'input_json_delta', partial_json });
    }
    emit('content_block_stop', { index });
  });
  emit('message_delta', {
    delta: { stop_reason: stopReason, stop_sequence: null },
    usage: usage(answer.usage.output),
  });
  emit('message_stop');
  res.end();
}

export const anthropic: WireFormat = { format: 'anthropic', inspect, errorBody: anthropicErrorBody, respond };
