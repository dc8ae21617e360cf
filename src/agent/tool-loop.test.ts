import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RunEventBody } from '../api/index.ts';
import type { ModelProvider, ModelRequest, ModelTurn } from './model.ts';
import { ProviderError } from './providers/index.ts';
import { runToolLoop, type ToolInvoker, type ToolLoopInput } from './tool-loop.ts';

/** A model that answers with the given turns in order and records what it was asked. */
function scriptedModel(turns: (Partial<ModelTurn> | Error)[]): ModelProvider & { requests: ModelRequest[] } {
  const requests: ModelRequest[] = [];
  return {
    name: 'scripted',
    requests,
    complete(request, options) {
      requests.push(structuredClone({ ...request, messages: [...request.messages] }));
      const turn = turns[Math.min(requests.length - 1, turns.length - 1)];
      if (turn instanceof Error) return Promise.reject(turn);
      if (turn?.text) options.onText?.(turn.text);
      return Promise.resolve({
        text: '',
        toolCalls: [],
        usage: { input: 10, output: 5 },
        stopReason: turn?.toolCalls?.length ? 'tool_calls' : 'end',
        ...turn,
      });
    },
  };
}

function echoTools(refuse: string[] = []): ToolInvoker & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    specs: [{ name: 'list_directory', description: 'list', parameters: { type: 'object' } }],
    call(name, rawArguments) {
      calls.push(`${name} ${rawArguments}`);
      if (refuse.includes(name)) {
        return Promise.resolve({ content: `tool ${name} is not allowed`, isError: true, outcome: 'refused' });
      }
      return Promise.resolve({ content: `listed ${rawArguments}`, isError: false, outcome: 'ok' });
    },
  };
}

function input(overrides: Partial<ToolLoopInput> & Pick<ToolLoopInput, 'provider'>): ToolLoopInput & {
  events: RunEventBody[];
} {
  const events: RunEventBody[] = [];
  return {
    system: 'system prompt',
    task: 'list the workspace',
    thinking: 'off',
    maxIterations: 5,
    tools: echoTools(),
    signal: new AbortController().signal,
    emit: (body) => {
      events.push(body);
      return Promise.resolve();
    },
    events,
    ...overrides,
  };
}

describe('runToolLoop', () => {
  it('runs the tools the model calls, feeds their results back and returns the final answer', async () => {
    const model = scriptedModel([
      { toolCalls: [{ id: 'c1', name: 'list_directory', arguments: '{"path":"."}' }] },
      { text: 'The workspace has 2 files.' },
    ]);
    const tools = echoTools();
    const run = input({ provider: model, tools });
    const outcome = await runToolLoop(run);

    assert.equal(outcome.ok, true);
    assert.equal(outcome.response, 'The workspace has 2 files.');
    assert.equal(outcome.toolCalls, 1);
    assert.deepEqual(outcome.usage, { input: 20, output: 10 });
    assert.deepEqual(tools.calls, ['list_directory {"path":"."}']);
    const second = model.requests[1];
    assert.deepEqual(
      second?.messages.map((m) => m.role),
      ['user', 'assistant', 'tool'],
    );
    const toolMessage = second?.messages[2];
    assert.equal(toolMessage?.role === 'tool' && toolMessage.content, 'listed {"path":"."}');
    assert.equal(toolMessage?.role === 'tool' && toolMessage.callId, 'c1');
    assert.deepEqual(
      run.events.map((e) => e.type),
      ['status', 'tool_call', 'status', 'chunk'],
    );
    const chunk = run.events.find((e) => e.type === 'chunk');
    assert.equal(chunk?.type === 'chunk' && chunk.text, 'The workspace has 2 files.');
  });

  it('answers a refused tool with an error the model reads, and reports the refusal', async () => {
    const model = scriptedModel([
      { toolCalls: [{ id: 'c1', name: 'execute_command', arguments: '{"command":"ls"}' }] },
      { text: 'I may not run commands.' },
    ]);
    const run = input({ provider: model, tools: echoTools(['execute_command']) });
    const outcome = await runToolLoop(run);
    assert.equal(outcome.ok, true);
    const toolMessage = model.requests[1]?.messages[2];
    assert.equal(toolMessage?.role === 'tool' && toolMessage.isError, true);
    const event = run.events.find((e) => e.type === 'tool_call');
    assert.equal(event?.type === 'tool_call' && event.outcome, 'refused');
  });

  it('stops a model that never stops calling tools at the iteration cap', async () => {
    const model = scriptedModel([
      { text: 'still working', toolCalls: [{ id: 'c', name: 'list_directory', arguments: '{}' }] },
    ]);
    const outcome = await runToolLoop(input({ provider: model, maxIterations: 3 }));
    assert.equal(outcome.ok, false);
    assert.equal(outcome.reason, 'ToolLoopLimit');
    assert.equal(outcome.toolCalls, 3);
    assert.equal(model.requests.length, 3);
    assert.match(outcome.error ?? '', /3 steps/);
    assert.equal(outcome.response, 'still working');
  });

  it('turns a provider failure into a failed outcome with its reason', async () => {
    const model = scriptedModel([
      new ProviderError('ProviderUnauthorized', 'openai answered 401: invalid key', { status: 401 }),
    ]);
    const outcome = await runToolLoop(input({ provider: model }));
    assert.equal(outcome.ok, false);
    assert.equal(outcome.reason, 'ProviderUnauthorized');
    assert.match(outcome.error ?? '', /401/);
  });

  it('fails with DeadlineExceeded when the deadline has passed', async () => {
    const controller = new AbortController();
    controller.abort();
    const outcome = await runToolLoop(
      input({ provider: scriptedModel([{ text: 'never asked' }]), signal: controller.signal }),
    );
    assert.equal(outcome.reason, 'DeadlineExceeded');
  });

  it('adds follow-up messages as user turns before it ends', async () => {
    const model = scriptedModel([{ text: 'first answer' }, { text: 'answer to the follow-up' }]);
    const followUps = [['and the tmp dir?'], []];
    const outcome = await runToolLoop(
      input({ provider: model, takeFollowUps: () => Promise.resolve(followUps.shift() ?? []) }),
    );
    assert.equal(outcome.response, 'answer to the follow-up');
    const last = model.requests[1]?.messages.at(-1);
    assert.deepEqual(last, { role: 'user', content: 'and the tmp dir?' });
  });

  it('truncates a huge tool result before the model sees it, with a note', async () => {
    const model = scriptedModel([
      { toolCalls: [{ id: 'c1', name: 'list_directory', arguments: '{}' }] },
      { text: 'ok' },
    ]);
    const huge: ToolInvoker = {
      specs: [],
      call: () => Promise.resolve({ content: 'y'.repeat(100_000), isError: false, outcome: 'ok' }),
    };
    await runToolLoop(input({ provider: model, tools: huge }));
    const toolMessage = model.requests[1]?.messages[2];
    const content = toolMessage?.role === 'tool' ? toolMessage.content : '';
    assert.ok(content.length <= 32 * 1024);
    assert.match(content, /\[truncated: \d+ of 100000 characters omitted\]$/);
  });

  it("sends the session's earlier turns before the task, and keeps them on every step", async () => {
    const provider = scriptedModel([
      { toolCalls: [{ id: 'c1', name: 'list_directory', arguments: '{}' }] },
      { text: 'done' },
    ]);
    const history = [
      { role: 'user' as const, content: 'My name is Ada.' },
      { role: 'assistant' as const, content: 'Hello Ada.', toolCalls: [] },
    ];
    const outcome = await runToolLoop(input({ provider, history, task: 'What is my name?' }));
    assert.equal(outcome.ok, true);
    for (const request of provider.requests) {
      assert.deepEqual(request.messages.slice(0, 3), [
        ...history,
        { role: 'user', content: 'What is my name?' },
      ]);
    }
    assert.equal(provider.requests.length, 2);
  });
});
