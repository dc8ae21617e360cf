// The scripted model server on loopback, read with plain fetch and a small SSE reader: each wire
// format's exact event sequence and fields, auth, scripted errors, matching, turns and templating.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import {
  startScriptedModelServer,
  type ModelScript,
  type ScriptedModelServer,
} from '../../fakes/model-server/index.ts';
import { toolResultsText } from '../../fakes/model-server/tool-results.ts';

const KEY = 'test-key';
const WEATHER_ARGS = { city: 'Paris', unit: 'celsius' };
const BROKEN_ARGS = '{"cmd": "ls';

const script: ModelScript = {
  models: ['gpt-test', 'claude-test', 'my-deployment'],
  conversations: [
    {
      match: { userContains: 'weather' },
      turns: [
        {
          thinking: 'The user wants the weather in Paris.',
          text: 'Let me check the weather.',
          toolCalls: [{ name: 'get_weather', arguments: WEATHER_ARGS }],
          usage: { input: 120, output: 30 },
        },
        { text: 'It is sunny. Key: {{system:/key=(\\w+)/}}', usage: { input: 200, output: 12 } },
      ],
    },
    { match: { userContains: 'broken' }, turns: [{ toolCalls: [{ name: 'run', arguments: BROKEN_ARGS }] }] },
    {
      match: { userContains: 'flaky' },
      turns: [
        { text: 'recovered', error: { status: 429, message: 'slow down', retryAfterSeconds: 3, times: 2 } },
      ],
    },
    {
      match: { userContains: 'loop' },
      turns: [
        { text: 'first' },
        { toolCalls: [{ name: 'again', arguments: {} }], repeatForever: true },
        { text: 'never said' },
      ],
    },
    { match: { userContains: 'tools only' }, turns: [{ toolCalls: [{ name: 'a', arguments: {} }] }] },
    { turns: [{ text: 'Hello there, friend.' }] },
  ],
};

let server: ScriptedModelServer;
before(async () => {
  server = await startScriptedModelServer({ script, apiKey: KEY });
});
after(async () => {
  await server.close();
});
beforeEach(() => server.setScript(script));

interface SseEvent {
  event: string | undefined;
  data: string;
}

async function readSse(res: Response): Promise<SseEvent[]> {
  assert.equal(res.status, 200, await res.clone().text());
  assert.match(res.headers.get('content-type') ?? '', /^text\/event-stream/);
  const text = await res.text();
  return text
    .split('\n\n')
    .filter((block) => block.trim() !== '')
    .map((block) => {
      let event: string | undefined;
      const data: string[] = [];
      for (const line of block.split('\n')) {
        if (line.startsWith('event: ')) event = line.slice('event: '.length);
        else if (line.startsWith('data: ')) data.push(line.slice('data: '.length));
        else assert.fail(`unexpected SSE line: ${line}`);
      }
      return { event, data: data.join('\n') };
    });
}

/** Event names with consecutive repeats collapsed, so a sequence reads as the protocol's grammar. */
function collapse(names: string[]): string[] {
  return names.filter((name, i) => name !== names[i - 1]);
}

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

async function post(path: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return await fetch(`${server.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}`, ...headers },
    body: JSON.stringify(body),
  });
}

async function okJson(res: Response): Promise<Json> {
  const body = (await res.json()) as Json;
  assert.equal(res.status, 200, JSON.stringify(body));
  return body;
}

const anthropicHeaders = { 'x-api-key': KEY, 'anthropic-version': '2023-06-01', authorization: '' };
const postAnthropic = (body: Json, headers: Record<string, string> = {}) =>
  post(
    '/v1/messages',
    { model: 'claude-test', max_tokens: 1024, ...body },
    { ...anthropicHeaders, ...headers },
  );

const weatherUser = { role: 'user', content: 'What is the weather in Paris?' };

describe('OpenAI chat completions', () => {
  it('answers a tool-calling turn with text, tool_calls, finish_reason and usage', async () => {
    const body = await okJson(
      await post('/v1/chat/completions', { model: 'gpt-test', messages: [weatherUser] }),
    );
    assert.equal(body.object, 'chat.completion');
    assert.match(body.id, /^chatcmpl-/);
    assert.equal(body.model, 'gpt-test');
    const [choice] = body.choices;
    assert.equal(choice.finish_reason, 'tool_calls');
    assert.equal(choice.message.role, 'assistant');
    assert.equal(choice.message.content, 'Let me check the weather.');
    assert.equal(choice.message.tool_calls.length, 1);
    const [call] = choice.message.tool_calls;
    assert.match(call.id, /^call_/);
    assert.equal(call.type, 'function');
    assert.equal(call.function.name, 'get_weather');
    assert.deepEqual(JSON.parse(call.function.arguments), WEATHER_ARGS);
    assert.deepEqual(
      [body.usage.prompt_tokens, body.usage.completion_tokens, body.usage.total_tokens],
      [120, 30, 150],
    );
    const recorded = server.requests.at(-1)!;
    assert.equal(recorded.format, 'openai-chat');
    assert.equal(recorded.path, '/v1/chat/completions');
    assert.equal(recorded.turnIndex, 0);
    assert.equal(recorded.conversationIndex, 0);
    assert.deepEqual((recorded.body as Json).messages, [weatherUser]);
  });

  it('streams role, text deltas, tool call deltas, finish_reason, usage chunk and [DONE]', async () => {
    const events = await readSse(
      await post('/chat/completions', {
        model: 'gpt-test',
        messages: [weatherUser],
        stream: true,
        stream_options: { include_usage: true },
      }),
    );
    assert.ok(
      events.every((e) => e.event === undefined),
      'chat completions SSE has no event names',
    );
    assert.equal(events.at(-1)!.data, '[DONE]');
    const chunks = events.slice(0, -1).map((e) => JSON.parse(e.data) as Json);
    assert.equal(new Set(chunks.map((c) => c.id)).size, 1, 'every chunk has the same id');
    assert.ok(chunks.every((c) => c.object === 'chat.completion.chunk' && c.model === 'gpt-test'));

    const kind = (c: Json) => {
      if (c.choices.length === 0) return 'usage';
      const { delta, finish_reason } = c.choices[0];
      if (finish_reason) return 'finish';
      if (delta.role) return 'role';
      if (delta.tool_calls) return delta.tool_calls[0].id ? 'tool-start' : 'tool-args';
      return 'content';
    };
    const kinds = chunks.map(kind);
    assert.deepEqual(collapse(kinds), ['role', 'content', 'tool-start', 'tool-args', 'finish', 'usage']);
    assert.ok(kinds.filter((k) => k === 'content').length > 1, 'text arrives in several deltas');
    assert.ok(kinds.filter((k) => k === 'tool-args').length > 1, 'arguments arrive in several deltas');

    assert.equal(chunks[0]!.choices[0].delta.role, 'assistant');
    const text = chunks.filter((c) => kind(c) === 'content').map((c) => c.choices[0].delta.content);
    assert.equal(text.join(''), 'Let me check the weather.');
    const start = chunks.find((c) => kind(c) === 'tool-start')!.choices[0].delta.tool_calls[0];
    assert.equal(start.index, 0);
    assert.match(start.id, /^call_/);
    assert.equal(start.type, 'function');
    assert.equal(start.function.name, 'get_weather');
    assert.equal(start.function.arguments, '');
    const args = chunks
      .filter((c) => kind(c) === 'tool-args')
      .map((c) => c.choices[0].delta.tool_calls[0])
      .map((t: Json) => (assert.equal(t.index, 0), t.function.arguments as string));
    assert.deepEqual(JSON.parse(args.join('')), WEATHER_ARGS);

    const finish = chunks.find((c) => kind(c) === 'finish')!;
    assert.deepEqual(finish.choices[0].delta, {});
    assert.equal(finish.choices[0].finish_reason, 'tool_calls');
    const usage = chunks.at(-1)!;
    assert.deepEqual(usage.choices, []);
    assert.deepEqual([usage.usage.prompt_tokens, usage.usage.completion_tokens], [120, 30]);
    assert.ok(
      chunks.slice(0, -1).every((c) => c.usage === null),
      'earlier chunks carry usage: null',
    );
  });

  it('leaves usage out of a stream that did not ask for it', async () => {
    const events = await readSse(
      await post('/v1/chat/completions', {
        model: 'gpt-test',
        messages: [{ role: 'user', content: 'hi' }],
        stream: true,
      }),
    );
    const chunks = events.slice(0, -1).map((e) => JSON.parse(e.data) as Json);
    assert.ok(chunks.every((c) => !('usage' in c)));
    assert.equal(chunks.at(-1)!.choices[0].finish_reason, 'stop');
    assert.equal(chunks.map((c) => c.choices[0].delta.content ?? '').join(''), 'Hello there, friend.');
  });

  it('answers the next turn once the history holds the tool call and its result', async () => {
    const body = await okJson(
      await post('/v1/chat/completions', {
        model: 'gpt-test',
        messages: [
          { role: 'developer', content: 'You are terse. key=Zebra42' },
          weatherUser,
          {
            role: 'assistant',
            content: null,
            tool_calls: [
              { id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{}' } },
            ],
          },
          { role: 'tool', tool_call_id: 'call_1', content: 'sunny' },
        ],
      }),
    );
    assert.equal(body.choices[0].message.content, 'It is sunny. Key: Zebra42');
    assert.equal(body.choices[0].finish_reason, 'stop');
    assert.equal(body.choices[0].message.tool_calls, undefined);
    assert.equal(server.requests.at(-1)!.turnIndex, 1);
  });

  it('refuses a tool message that answers no tool call, in OpenAI error format', async () => {
    const res = await post('/v1/chat/completions', {
      model: 'gpt-test',
      messages: [weatherUser, { role: 'tool', tool_call_id: 'call_x', content: 'sunny' }],
    });
    assert.equal(res.status, 400);
    const body = (await res.json()) as Json;
    assert.match(body.error.message, /role 'tool' must be a response/);
    assert.equal(body.error.type, 'invalid_request_error');
  });

  it('stops with finish_reason length when the answer exceeds max_tokens', async () => {
    const body = await okJson(
      await post('/v1/chat/completions', {
        model: 'gpt-test',
        max_completion_tokens: 2,
        messages: [{ role: 'user', content: 'hi' }],
      }),
    );
    assert.equal(body.choices[0].finish_reason, 'length');
    assert.equal(body.choices[0].message.content, 'Hello th');
    assert.equal(body.usage.completion_tokens, 2);
  });
});

describe('OpenAI Responses', () => {
  const request = {
    model: 'gpt-test',
    input: 'What is the weather?',
    include: ['reasoning.encrypted_content'],
  };

  it('answers with reasoning, message and function_call items and usage', async () => {
    const body = await okJson(await post('/v1/responses', request));
    assert.equal(body.object, 'response');
    assert.match(body.id, /^resp_/);
    assert.equal(body.status, 'completed');
    assert.deepEqual(
      body.output.map((i: Json) => i.type),
      ['reasoning', 'message', 'function_call'],
    );
    const [reasoning, message, call] = body.output;
    assert.match(reasoning.id, /^rs_/);
    assert.deepEqual(reasoning.summary, [
      { type: 'summary_text', text: 'The user wants the weather in Paris.' },
    ]);
    assert.equal(typeof reasoning.encrypted_content, 'string');
    assert.equal(message.role, 'assistant');
    assert.equal(message.content[0].type, 'output_text');
    assert.equal(message.content[0].text, 'Let me check the weather.');
    assert.match(call.id, /^fc_/);
    assert.match(call.call_id, /^call_/);
    assert.equal(call.name, 'get_weather');
    assert.deepEqual(JSON.parse(call.arguments), WEATHER_ARGS);
    assert.deepEqual(
      [body.usage.input_tokens, body.usage.output_tokens, body.usage.total_tokens],
      [120, 30, 150],
    );
    assert.equal(server.requests.at(-1)!.format, 'openai-responses');
  });

  it('sends encrypted_content only when the request includes it', async () => {
    const body = await okJson(await post('/responses', { ...request, include: [] }));
    assert.equal(body.output[0].type, 'reasoning');
    assert.ok(!('encrypted_content' in body.output[0]));
  });

  it('streams the documented event sequence with sequence numbers', async () => {
    const events = await readSse(await post('/v1/responses', { ...request, stream: true }));
    const data = events.map((e) => JSON.parse(e.data) as Json);
    events.forEach((e, i) => assert.equal(e.event, data[i]!.type, 'event name matches data.type'));
    assert.deepEqual(
      data.map((d) => d.sequence_number),
      data.map((_, i) => i),
    );
    assert.deepEqual(collapse(data.map((d) => d.type)), [
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.reasoning_summary_part.added',
      'response.reasoning_summary_text.delta',
      'response.reasoning_summary_text.done',
      'response.reasoning_summary_part.done',
      'response.output_item.done',
      'response.output_item.added',
      'response.content_part.added',
      'response.output_text.delta',
      'response.output_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.output_item.added',
      'response.function_call_arguments.delta',
      'response.function_call_arguments.done',
      'response.output_item.done',
      'response.completed',
    ]);
    const of = (type: string) => data.filter((d) => d.type === type);
    assert.equal(data[0]!.response.status, 'in_progress');
    assert.deepEqual(data[0]!.response.output, []);

    const added = of('response.output_item.added');
    assert.deepEqual(
      added.map((d) => [d.output_index, d.item.type]),
      [
        [0, 'reasoning'],
        [1, 'message'],
        [2, 'function_call'],
      ],
    );
    const [, messageAdded, callAdded] = added;
    const textDeltas = of('response.output_text.delta');
    assert.ok(textDeltas.length > 1);
    assert.ok(textDeltas.every((d) => d.item_id === messageAdded!.item.id && d.output_index === 1));
    assert.equal(textDeltas.map((d) => d.delta).join(''), 'Let me check the weather.');
    assert.equal(of('response.output_text.done')[0]!.text, 'Let me check the weather.');

    assert.equal(callAdded!.item.arguments, '');
    assert.equal(callAdded!.item.name, 'get_weather');
    const argDeltas = of('response.function_call_arguments.delta');
    assert.ok(argDeltas.length > 1);
    assert.ok(argDeltas.every((d) => d.item_id === callAdded!.item.id && d.output_index === 2));
    const args = argDeltas.map((d) => d.delta).join('');
    assert.deepEqual(JSON.parse(args), WEATHER_ARGS);
    assert.equal(of('response.function_call_arguments.done')[0]!.arguments, args);

    const done = of('response.output_item.done').map((d) => d.item);
    assert.equal(done[0].encrypted_content.length > 0, true);
    assert.equal(done[2].call_id, callAdded!.item.call_id);
    const completed = data.at(-1)!.response;
    assert.equal(completed.status, 'completed');
    assert.deepEqual(completed.output, done);
    assert.deepEqual([completed.usage.input_tokens, completed.usage.output_tokens], [120, 30]);
  });

  it('accepts echoed reasoning and function call items and answers the next turn', async () => {
    const first = await okJson(await post('/v1/responses', request));
    const call = first.output[2];
    const body = await okJson(
      await post('/v1/responses', {
        model: 'gpt-test',
        instructions: 'Be brief. key=Q7',
        input: [
          { role: 'user', content: [{ type: 'input_text', text: 'What is the weather?' }] },
          ...first.output,
          { type: 'function_call_output', call_id: call.call_id, output: 'sunny' },
        ],
      }),
    );
    assert.deepEqual(
      body.output.map((i: Json) => i.type),
      ['message'],
    );
    assert.equal(body.output[0].content[0].text, 'It is sunny. Key: Q7');
    assert.equal(server.requests.at(-1)!.turnIndex, 1, 'reasoning, message and call items are one turn');
  });

  it('refuses reasoning whose encrypted_content was altered', async () => {
    const first = await okJson(await post('/v1/responses', request));
    const reasoning = { ...first.output[0], encrypted_content: 'bm90IG91cnM=' };
    const res = await post('/v1/responses', {
      model: 'gpt-test',
      input: [{ role: 'user', content: 'What is the weather?' }, reasoning],
    });
    assert.equal(res.status, 400);
    const body = (await res.json()) as Json;
    assert.match(body.error.message, /could not be verified/);
    assert.equal(body.error.type, 'invalid_request_error');
  });

  it('refuses a function_call_output without its function_call', async () => {
    const res = await post('/v1/responses', {
      model: 'gpt-test',
      input: [
        { role: 'user', content: 'What is the weather?' },
        { type: 'function_call_output', call_id: 'call_nope', output: 'x' },
      ],
    });
    assert.equal(res.status, 400);
    assert.match(((await res.json()) as Json).error.message, /No tool call found .* call_nope/);
  });

  it('ends incomplete at max_output_tokens, streaming response.incomplete', async () => {
    const events = await readSse(
      await post('/v1/responses', { model: 'gpt-test', input: 'hi', max_output_tokens: 2, stream: true }),
    );
    const last = JSON.parse(events.at(-1)!.data) as Json;
    assert.equal(events.at(-1)!.event, 'response.incomplete');
    assert.equal(last.response.status, 'incomplete');
    assert.deepEqual(last.response.incomplete_details, { reason: 'max_output_tokens' });
    assert.equal(last.response.output[0].content[0].text, 'Hello th');
  });
});

describe('Anthropic messages', () => {
  const thinking = { thinking: { type: 'enabled', budget_tokens: 512 } };

  it('answers with thinking, text and tool_use blocks, stop_reason and usage', async () => {
    const body = await okJson(await postAnthropic({ ...thinking, messages: [weatherUser] }));
    assert.equal(body.type, 'message');
    assert.equal(body.role, 'assistant');
    assert.match(body.id, /^msg_/);
    assert.equal(body.model, 'claude-test');
    assert.equal(body.stop_reason, 'tool_use');
    assert.deepEqual(
      body.content.map((b: Json) => b.type),
      ['thinking', 'text', 'tool_use'],
    );
    const [think, text, tool] = body.content;
    assert.equal(think.thinking, 'The user wants the weather in Paris.');
    assert.equal(typeof think.signature, 'string');
    assert.equal(text.text, 'Let me check the weather.');
    assert.match(tool.id, /^toolu_/);
    assert.equal(tool.name, 'get_weather');
    assert.deepEqual(tool.input, WEATHER_ARGS);
    assert.deepEqual([body.usage.input_tokens, body.usage.output_tokens], [120, 30]);
    assert.equal(server.requests.at(-1)!.format, 'anthropic');
  });

  it('leaves thinking out when the request did not enable it', async () => {
    const body = await okJson(await postAnthropic({ messages: [weatherUser] }));
    assert.deepEqual(
      body.content.map((b: Json) => b.type),
      ['text', 'tool_use'],
    );
  });

  it('streams message_start, content blocks with their deltas, message_delta and message_stop', async () => {
    const events = await readSse(await postAnthropic({ ...thinking, stream: true, messages: [weatherUser] }));
    const data = events.map((e) => JSON.parse(e.data) as Json);
    events.forEach((e, i) => assert.equal(e.event, data[i]!.type, 'event name matches data.type'));
    const names = data.map((d) => (d.type === 'content_block_delta' ? d.delta.type : d.type));
    assert.deepEqual(collapse(names), [
      'message_start',
      'ping',
      'content_block_start',
      'thinking_delta',
      'signature_delta',
      'content_block_stop',
      'content_block_start',
      'text_delta',
      'content_block_stop',
      'content_block_start',
      'input_json_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    const start = data[0]!.message;
    assert.deepEqual(start.content, []);
    assert.equal(start.stop_reason, null);
    assert.equal(start.usage.input_tokens, 120);

    const starts = data.filter((d) => d.type === 'content_block_start');
    assert.deepEqual(
      starts.map((d) => [d.index, d.content_block.type]),
      [
        [0, 'thinking'],
        [1, 'text'],
        [2, 'tool_use'],
      ],
    );
    assert.match(starts[2]!.content_block.id, /^toolu_/);
    assert.equal(starts[2]!.content_block.name, 'get_weather');
    assert.deepEqual(starts[2]!.content_block.input, {});
    const deltas = (index: number, field: string) =>
      data
        .filter((d) => d.type === 'content_block_delta' && d.index === index)
        .map((d) => d.delta[field] as string);
    assert.equal(deltas(0, 'thinking').join(''), 'The user wants the weather in Paris.');
    assert.equal(typeof deltas(0, 'signature').find((s) => s !== undefined), 'string');
    assert.ok(deltas(1, 'text').length > 1);
    assert.equal(deltas(1, 'text').join(''), 'Let me check the weather.');
    assert.ok(deltas(2, 'partial_json').length > 1);
    assert.deepEqual(JSON.parse(deltas(2, 'partial_json').join('')), WEATHER_ARGS);
    assert.deepEqual(
      data.filter((d) => d.type === 'content_block_stop').map((d) => d.index),
      [0, 1, 2],
    );
    const delta = data.at(-2)!;
    assert.equal(delta.delta.stop_reason, 'tool_use');
    assert.equal(delta.usage.output_tokens, 30);
  });

  it('accepts echoed thinking and tool_result blocks and answers the next turn', async () => {
    const first = await okJson(await postAnthropic({ ...thinking, messages: [weatherUser] }));
    const toolUse = first.content[2];
    const body = await okJson(
      await postAnthropic({
        ...thinking,
        system: [{ type: 'text', text: 'Secret key=Blue9 here' }],
        messages: [
          weatherUser,
          { role: 'assistant', content: first.content },
          { role: 'user', content: [{ type: 'tool_result', tool_use_id: toolUse.id, content: 'sunny' }] },
        ],
      }),
    );
    assert.deepEqual(body.content, [{ type: 'text', text: 'It is sunny. Key: Blue9' }]);
    assert.equal(body.stop_reason, 'end_turn');
  });

  it('refuses a thinking block whose signature does not match', async () => {
    const first = await okJson(await postAnthropic({ ...thinking, messages: [weatherUser] }));
    const content = [{ ...first.content[0], thinking: 'edited' }, ...first.content.slice(1)];
    const res = await postAnthropic({
      ...thinking,
      messages: [
        weatherUser,
        { role: 'assistant', content },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: first.content[2].id, content: 'x' }] },
      ],
    });
    assert.equal(res.status, 400);
    const body = (await res.json()) as Json;
    assert.equal(body.type, 'error');
    assert.equal(body.error.type, 'invalid_request_error');
    assert.match(body.error.message, /signature/);
  });

  it('refuses a tool_use left without its tool_result', async () => {
    const res = await postAnthropic({
      messages: [
        weatherUser,
        { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: {} }] },
        { role: 'user', content: 'and?' },
      ],
    });
    assert.equal(res.status, 400);
    assert.match(((await res.json()) as Json).error.message, /toolu_1/);
  });

  it('requires the anthropic-version header and max_tokens', async () => {
    const noVersion = await post(
      '/v1/messages',
      { model: 'claude-test', max_tokens: 10, messages: [weatherUser] },
      { 'x-api-key': KEY },
    );
    assert.equal(noVersion.status, 400);
    assert.match(((await noVersion.json()) as Json).error.message, /anthropic-version/);
    const noMax = await post(
      '/v1/messages',
      { model: 'claude-test', messages: [weatherUser] },
      anthropicHeaders,
    );
    assert.equal(noMax.status, 400);
    assert.match(((await noMax.json()) as Json).error.message, /max_tokens/);
  });

  it('stops with max_tokens when the answer exceeds the limit', async () => {
    const body = await okJson(
      await postAnthropic({ max_tokens: 2, messages: [{ role: 'user', content: 'hi' }] }),
    );
    assert.equal(body.stop_reason, 'max_tokens');
    assert.deepEqual(body.content, [{ type: 'text', text: 'Hello th' }]);
    assert.equal(body.usage.output_tokens, 2);
  });
});

describe('authentication', () => {
  const chat = { model: 'gpt-test', messages: [{ role: 'user', content: 'hi' }] };

  it('answers 401 in OpenAI format without the Bearer key or with a wrong one', async () => {
    for (const authorization of ['', 'Bearer wrong']) {
      const res = await post('/v1/chat/completions', chat, { authorization });
      assert.equal(res.status, 401);
      const body = (await res.json()) as Json;
      assert.equal(body.error.code, 'invalid_api_key');
      assert.equal(body.error.type, 'invalid_request_error');
      assert.equal(typeof body.error.message, 'string');
    }
    assert.equal(server.requests.at(-1)!.status, 401);
  });

  it('takes the Azure key from the api-key header only', async () => {
    const path = '/openai/deployments/my-deployment/chat/completions?api-version=2024-10-21';
    assert.equal((await post(path, chat)).status, 401, 'Bearer is not the Azure key header');
    assert.equal((await post(path, chat, { authorization: '', 'api-key': KEY })).status, 200);
  });

  it('answers 401 in Anthropic format for a wrong key; takes x-api-key or Bearer', async () => {
    const messages = [{ role: 'user', content: 'hi' }];
    const wrong = await postAnthropic({ messages }, { 'x-api-key': 'wrong' });
    assert.equal(wrong.status, 401);
    assert.deepEqual(await wrong.json(), {
      type: 'error',
      error: { type: 'authentication_error', message: 'invalid x-api-key' },
    });
    assert.equal((await postAnthropic({ messages })).status, 200);
    const bearer = await postAnthropic({ messages }, { 'x-api-key': '', authorization: `Bearer ${KEY}` });
    assert.equal(bearer.status, 200);
  });

  it('needs no key when the server has none', async () => {
    const open = await startScriptedModelServer({ script });
    try {
      const res = await fetch(`${open.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(chat),
      });
      assert.equal(res.status, 200);
    } finally {
      await open.close();
    }
  });
});

describe('scripted errors', () => {
  const flaky = { model: 'gpt-test', messages: [{ role: 'user', content: 'a flaky request' }] };

  it('fails `times` attempts with 429 and retry-after, then answers', async () => {
    for (let attempt = 1; attempt <= 2; attempt++) {
      const res = await post('/v1/chat/completions', flaky);
      assert.equal(res.status, 429, `attempt ${attempt}`);
      assert.equal(res.headers.get('retry-after'), '3');
      const body = (await res.json()) as Json;
      assert.equal(body.error.message, 'slow down');
      assert.equal(body.error.code, 'rate_limit_exceeded');
    }
    const body = await okJson(await post('/v1/chat/completions', flaky));
    assert.equal(body.choices[0].message.content, 'recovered');
  });

  it('uses the Anthropic error format on the Anthropic endpoint', async () => {
    const res = await postAnthropic({ messages: flaky.messages });
    assert.equal(res.status, 429);
    assert.equal(res.headers.get('retry-after'), '3');
    assert.deepEqual(await res.json(), {
      type: 'error',
      error: { type: 'rate_limit_error', message: 'slow down' },
    });
  });

  it('fails every attempt when times is not given', async () => {
    server.setScript({ conversations: [{ turns: [{ error: { status: 503 } }] }] });
    for (let i = 0; i < 3; i++) {
      const res = await post('/v1/responses', { model: 'any', input: 'hi' });
      assert.equal(res.status, 503);
      assert.equal(((await res.json()) as Json).error.type, 'server_error');
      assert.equal(res.headers.get('retry-after'), null);
    }
  });
});

describe('malformed tool arguments are sent verbatim', () => {
  const messages = [{ role: 'user', content: 'this is broken' }];

  it('in chat completions, streamed and not', async () => {
    const body = await okJson(await post('/v1/chat/completions', { model: 'gpt-test', messages }));
    assert.equal(body.choices[0].message.tool_calls[0].function.arguments, BROKEN_ARGS);
    assert.equal(body.choices[0].message.content, null);
    const events = await readSse(
      await post('/v1/chat/completions', { model: 'gpt-test', messages, stream: true }),
    );
    const args = events
      .slice(0, -1)
      .map((e) => JSON.parse(e.data) as Json)
      .flatMap((c) => c.choices[0].delta.tool_calls ?? [])
      .map((t: Json) => t.function.arguments)
      .join('');
    assert.equal(args, BROKEN_ARGS);
  });

  it('in the Responses API', async () => {
    const body = await okJson(await post('/v1/responses', { model: 'gpt-test', input: messages }));
    assert.deepEqual(
      body.output.map((i: Json) => i.type),
      ['function_call'],
    );
    assert.equal(body.output[0].arguments, BROKEN_ARGS);
  });

  it('in Anthropic input_json_delta pieces, and as the raw input when not streamed', async () => {
    const events = await readSse(await postAnthropic({ messages, stream: true }));
    const partial = events
      .map((e) => JSON.parse(e.data) as Json)
      .filter((d) => d.delta?.type === 'input_json_delta')
      .map((d) => d.delta.partial_json)
      .join('');
    assert.equal(partial, BROKEN_ARGS);
    const body = await okJson(await postAnthropic({ messages }));
    assert.equal(body.content[0].input, BROKEN_ARGS);
    assert.equal(body.stop_reason, 'tool_use');
  });
});

describe('conversation matching and turn selection', () => {
  const chatText = async (messages: Json[]) => {
    const body = await okJson(await post('/v1/chat/completions', { model: 'gpt-test', messages }));
    return { text: body.choices[0].message.content, calls: body.choices[0].message.tool_calls?.length ?? 0 };
  };
  const history = (turns: number): Json[] =>
    Array.from({ length: turns }, (_, i) => [
      { role: 'assistant', content: `answer ${i}` },
      { role: 'user', content: `next ${i}` },
    ]).flat();

  it('matches on the first user message only, falling back to the conversation without match', async () => {
    const first = await chatText([
      { role: 'user', content: 'tell me something' },
      { role: 'assistant', content: 'ok' },
      { role: 'user', content: 'the weather please' },
    ]);
    assert.equal(first.text, 'Hello there, friend.', 'later user messages do not select the conversation');
    assert.equal(server.requests.at(-1)!.conversationIndex, 5);
  });

  it('refuses a request that no conversation matches', async () => {
    server.setScript({ conversations: [{ match: { userContains: 'only this' }, turns: [{ text: 'x' }] }] });
    const res = await post('/v1/chat/completions', {
      model: 'gpt-test',
      messages: [{ role: 'user', content: 'hi' }],
    });
    assert.equal(res.status, 400);
    assert.match(((await res.json()) as Json).error.message, /No scripted conversation matches/);
  });

  it('answers turn N when the history holds N assistant turns; repeatForever holds from its index on', async () => {
    const loop = { role: 'user', content: 'loop forever' };
    assert.deepEqual(await chatText([loop]), { text: 'first', calls: 0 });
    assert.deepEqual(await chatText([loop, ...history(1)]), { text: null, calls: 1 });
    assert.deepEqual(await chatText([loop, ...history(2)]), { text: null, calls: 1 });
    assert.deepEqual(await chatText([loop, ...history(7)]), { text: null, calls: 1 });
    assert.equal(server.requests.at(-1)!.turnIndex, 7);
  });

  it('past the last turn repeats the last text without tool calls, or says done', async () => {
    const past = await chatText([weatherUser, ...history(4)]);
    assert.deepEqual(past, { text: 'It is sunny. Key: (no match)', calls: 0 });
    const none = await chatText([{ role: 'user', content: 'tools only' }, ...history(1)]);
    assert.deepEqual(none, { text: 'done', calls: 0 });
  });

  it('counts consecutive assistant messages as one turn', async () => {
    const loop = { role: 'user', content: 'loop' };
    const twoInARow = [
      { role: 'assistant', content: 'a' },
      { role: 'assistant', content: 'b' },
    ];
    await chatText([loop, ...twoInARow, { role: 'user', content: 'x' }]);
    assert.equal(server.requests.at(-1)!.turnIndex, 1);
  });
});

describe('system prompt templating', () => {
  const ask = async (template: string, system: string) => {
    server.setScript({ conversations: [{ turns: [{ text: template }] }] });
    const body = await okJson(
      await post('/v1/chat/completions', {
        model: 'gpt-test',
        messages: [
          { role: 'system', content: system },
          { role: 'user', content: 'hi' },
        ],
      }),
    );
    return body.choices[0].message.content as string;
  };

  it('uses the first capture group, else the whole match, else (no match)', async () => {
    assert.equal(
      await ask('name={{system:/name is (\\w+)/}}', 'My name is Ada. Your name is Bob.'),
      'name=Ada',
    );
    assert.equal(await ask('[{{system:/\\d+/}}]', 'run 42 then 7'), '[42]');
    assert.equal(await ask('[{{system:/missing/}}]', 'nothing here'), '[(no match)]');
    assert.equal(await ask('{{system:/SESSION-(\\w+)/i}}!', 'session-xy'), 'xy!');
  });

  it('fills {{tool:/regex/}} from the tool results in the request', async () => {
    server.setScript({
      conversations: [
        { turns: [{ text: 'a={{tool:/alpha=(\\d+)/}} b={{tool:/beta=(\\d+)/}} c={{tool:/gamma/}}' }] },
      ],
    });
    const body = await okJson(
      await post('/v1/chat/completions', {
        model: 'gpt-test',
        messages: [
          { role: 'system', content: 'alpha=9' },
          { role: 'user', content: 'count' },
          {
            role: 'assistant',
            content: null,
            tool_calls: [
              { id: 'c1', type: 'function', function: { name: 'count', arguments: '{}' } },
              { id: 'c2', type: 'function', function: { name: 'count', arguments: '{}' } },
            ],
          },
          { role: 'tool', tool_call_id: 'c1', content: 'alpha=3' },
          { role: 'tool', tool_call_id: 'c2', content: 'beta=5' },
        ],
      }),
    );
    assert.equal(body.choices[0].message.content, 'a=3 b=5 c=(no match)');
  });

  it('reads the tool results of the Responses and Anthropic formats too', () => {
    assert.equal(
      toolResultsText({
        input: [
          { role: 'user', content: 'count' },
          { type: 'function_call_output', call_id: 'c1', output: 'alpha=3' },
        ],
      }),
      'alpha=3',
    );
    assert.equal(
      toolResultsText({
        messages: [
          { role: 'user', content: 'count' },
          {
            role: 'user',
            content: [
              { type: 'tool_result', tool_use_id: 't1', content: 'alpha=3' },
              { type: 'tool_result', tool_use_id: 't2', content: [{ type: 'text', text: 'beta=5' }] },
            ],
          },
        ],
      }),
      'alpha=3\nbeta=5',
    );
  });
});

describe('Azure OpenAI paths', () => {
  const azureHeaders = { authorization: '', 'api-key': KEY };

  it('takes the model from the deployment and records the api-version', async () => {
    const body = await okJson(
      await post(
        '/openai/deployments/my-deployment/chat/completions?api-version=2024-10-21',
        { messages: [weatherUser] },
        azureHeaders,
      ),
    );
    assert.equal(body.model, 'my-deployment');
    assert.equal(body.choices[0].finish_reason, 'tool_calls');
    const recorded = server.requests.at(-1)!;
    assert.equal(recorded.format, 'openai-chat');
    assert.equal(recorded.path, '/openai/deployments/my-deployment/chat/completions');
    assert.deepEqual(recorded.query, { 'api-version': '2024-10-21' });
  });

  it('requires api-version on deployment paths and a known deployment', async () => {
    const noVersion = await post(
      '/openai/deployments/my-deployment/chat/completions',
      { messages: [weatherUser] },
      azureHeaders,
    );
    assert.equal(noVersion.status, 400);
    const unknown = await post(
      '/openai/deployments/other/chat/completions?api-version=2024-10-21',
      { messages: [weatherUser] },
      azureHeaders,
    );
    assert.equal(unknown.status, 404);
    assert.match(((await unknown.json()) as Json).error.message, /`other` does not exist/);
  });

  it('serves the Responses API under /openai/v1', async () => {
    const body = await okJson(
      await post('/openai/v1/responses', { model: 'gpt-test', input: 'hi' }, azureHeaders),
    );
    assert.equal(body.output[0].content[0].text, 'Hello there, friend.');
  });
});

describe('models and health', () => {
  it('answers /healthz without a key', async () => {
    const res = await fetch(`${server.url}/healthz`);
    assert.equal(res.status, 200);
  });

  it('lists the configured models in OpenAI or Anthropic shape', async () => {
    const openai = await okJson(
      await fetch(`${server.url}/v1/models`, { headers: { authorization: `Bearer ${KEY}` } }),
    );
    assert.equal(openai.object, 'list');
    assert.deepEqual(
      openai.data.map((m: Json) => m.id),
      ['gpt-test', 'claude-test', 'my-deployment'],
    );
    const claude = await okJson(
      await fetch(`${server.url}/v1/models`, {
        headers: { 'x-api-key': KEY, 'anthropic-version': '2023-06-01' },
      }),
    );
    assert.deepEqual(
      claude.data.map((m: Json) => [m.type, m.id]),
      [
        ['model', 'gpt-test'],
        ['model', 'claude-test'],
        ['model', 'my-deployment'],
      ],
    );
    assert.equal((await fetch(`${server.url}/v1/models`)).status, 401);
  });

  it('refuses a model that is not configured, in the provider format', async () => {
    const res = await postAnthropic({ model: 'claude-unknown', messages: [weatherUser] });
    assert.equal(res.status, 404);
    assert.equal(((await res.json()) as Json).error.type, 'not_found_error');
  });
});
