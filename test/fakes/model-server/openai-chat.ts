// OpenAI Chat Completions (also Azure OpenAI and Ollama's OpenAI-compatible endpoint):
// `chat.completion` objects, or `chat.completion.chunk` SSE ending with `data: [DONE]`.
import type { ServerResponse } from 'node:http';
import { newId, type Answer, type AnswerStop, type RequestView } from './answer.ts';
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

const ROLES = ['system', 'developer', 'user', 'assistant', 'tool', 'function'];
const TEXT_PARTS = ['text'];

const finishReasons: Record<AnswerStop, string> = {
  end: 'stop',
  tool_calls: 'tool_calls',
  max_tokens: 'length',
};

function inspect(body: Record<string, unknown>, deployment: string | undefined): RequestView {
  const model = requireModel(body, deployment);
  const messages = requireList(body, 'messages');
  messages.forEach((m, i) => {
    if (typeof m.role !== 'string' || !ROLES.includes(m.role)) {
      throw new RequestError(400, `messages[${i}].role: must be one of ${ROLES.join(', ')}.`);
    }
  });
  checkToolReplies(messages);
  const system = messages
    .filter((m) => m.role === 'system' || m.role === 'developer')
    .map((m) => contentText(m.content, TEXT_PARTS))
    .join('\n');
  const firstUser = messages.find((m) => m.role === 'user');
  return {
    model,
    stream: body.stream === true,
    system,
    firstUserText: contentText(firstUser?.content, TEXT_PARTS),
    assistantTurns: countRuns(messages, (m) => m.role === 'assistant'),
    maxOutputTokens: optionalCount(body, 'max_completion_tokens', 'max_tokens'),
    inputChars: JSON.stringify(messages).length + JSON.stringify(body.tools ?? []).length,
  };
}

/** Each assistant `tool_calls` entry is answered by a `tool` message before anything else. */
function checkToolReplies(messages: Record<string, unknown>[]): void {
  let pending: Set<string> | undefined;
  const unanswered = (ids: Set<string>) =>
    new RequestError(
      400,
      "An assistant message with 'tool_calls' must be followed by tool messages responding to each " +
        `'tool_call_id'. The following tool_call_ids did not have response messages: ${[...ids].join(', ')}`,
    );
  messages.forEach((m, i) => {
    if (m.role === 'tool') {
      const id = m.tool_call_id;
      if (!pending || typeof id !== 'string' || !pending.delete(id)) {
        throw new RequestError(
          400,
          `messages[${i}]: messages with role 'tool' must be a response to a preceding message with 'tool_calls'.`,
        );
      }
      return;
    }
    if (pending && pending.size > 0) throw unanswered(pending);
    const calls =
      m.role === 'assistant' && Array.isArray(m.tool_calls) ? (m.tool_calls as { id?: unknown }[]) : [];
    pending = calls.length > 0 ? new Set(calls.map((c) => String(c.id))) : undefined;
  });
  if (pending && pending.size > 0) throw unanswered(pending);
}

function usageOf(answer: Answer) {
  const { input, output, reasoning } = answer.usage;
  return {
    prompt_tokens: input,
    completion_tokens: output,
    total_tokens: input + output,
    prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
    completion_tokens_details: {
      reasoning_tokens: reasoning,
      audio_tokens: 0,
      accepted_prediction_tokens: 0,
      rejected_prediction_tokens: 0,
    },
  };
}

function respond(
  res: ServerResponse,
  answer: Answer,
  view: RequestView,
  body: Record<string, unknown>,
): void {
  const id = newId('chatcmpl-');
  const created = Math.floor(Date.now() / 1000);
  const calls = answer.toolCalls.map((call) => ({ id: newId('call_'), ...call }));
  const finishReason = finishReasons[answer.stop];
  if (!view.stream) {
    const message: Record<string, unknown> = {
      role: 'assistant',
      content: answer.text === '' && calls.length > 0 ? null : answer.text,
      refusal: null,
      annotations: [],
    };
    if (calls.length > 0) {
      message.tool_calls = calls.map((c) => ({
        id: c.id,
        type: 'function',
        function: { name: c.name, arguments: c.arguments },
      }));
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        id,
        object: 'chat.completion',
        created,
        model: view.model,
        choices: [{ index: 0, message, logprobs: null, finish_reason: finishReason }],
        usage: usageOf(answer),
        service_tier: 'default',
        system_fingerprint: null,
      }),
    );
    return;
  }

  const streamOptions = body.stream_options as { include_usage?: unknown } | undefined;
  const includeUsage = streamOptions?.include_usage === true;
  const chunk = (choices: unknown[], usage?: unknown) => ({
    id,
    object: 'chat.completion.chunk',
    created,
    model: view.model,
    system_fingerprint: null,
    choices,
    ...(includeUsage ? { usage: usage ?? null } : {}),
  });
  const delta = (d: Record<string, unknown>, finish: string | null = null) =>
    writeEvent(res, undefined, chunk([{ index: 0, delta: d, logprobs: null, finish_reason: finish }]));

  startEventStream(res);
  delta({ role: 'assistant', content: answer.text === '' ? null : '', refusal: null });
  for (const piece of splitText(answer.text)) delta({ content: piece });
  calls.forEach((call, index) => {
    delta({
      tool_calls: [{ index, id: call.id, type: 'function', function: { name: call.name, arguments: '' } }],
    });
    for (const piece of splitArguments(call.arguments)) {
      delta({ tool_calls: [{ index, function: { arguments: piece } }] });
    }
  });
  delta({}, finishReason);
  if (includeUsage) writeEvent(res, undefined, chunk([], usageOf(answer)));
  writeEvent(res, undefined, '[DONE]');
  res.end();
}

export const openAiChat: WireFormat = { format: 'openai-chat', inspect, errorBody: openAiErrorBody, respond };
