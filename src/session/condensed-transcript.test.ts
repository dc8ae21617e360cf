import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RunEvent, RunEventBody } from '../api/index.ts';
import { buildCondensedTranscript, truncateText } from './condensed-transcript.ts';

const identity = { namespace: 'ns', instance: 'claw', run: 'r1', runUid: 'uid-1' };
const event = (seq: number, body: RunEventBody): RunEvent => ({
  id: `e${seq}`,
  seq,
  time: '2026-01-01T00:00:00Z',
  identity,
  body,
});
const toolCall = (seq: number, tool: string, args = '{}', summary = 'done'): RunEvent =>
  event(seq, { type: 'tool_call', callId: `c${seq}`, tool, arguments: args, outcome: 'ok', summary });
const completed = (seq: number, error?: string): RunEvent =>
  event(seq, {
    type: 'completed',
    result: {
      status: error ? 'failed' : 'succeeded',
      ...(error ? { error } : { response: 'hi' }),
      usage: { input: 1, output: 2 },
      toolCalls: 0,
      memoryUpdates: [],
    },
  });

describe('truncateText', () => {
  const cases: { name: string; text: string; max: number; want: string }[] = [
    { name: 'short text is kept', text: 'abc', max: 3, want: 'abc' },
    { name: 'long text ends in an ellipsis within the limit', text: 'abcdef', max: 4, want: 'abc…' },
    { name: 'a surrogate pair is never split', text: 'ab😀cd', max: 4, want: 'ab…' },
    { name: 'a limit of zero keeps nothing', text: 'abc', max: 0, want: '' },
    { name: 'a limit of one keeps only the ellipsis', text: 'abc', max: 1, want: '…' },
  ];
  for (const { name, text, max, want } of cases) {
    it(name, () => {
      const got = truncateText(text, max);
      assert.equal(got, want);
      assert.ok(got.length <= max);
    });
  }
});

describe('buildCondensedTranscript', () => {
  it('keeps model, tool calls in order and how the run ended', () => {
    const got = buildCondensedTranscript([
      completed(5),
      event(1, { type: 'started', provider: 'openai', model: 'gpt' }),
      toolCall(4, 'read_file'),
      event(2, { type: 'chunk', text: 'thinking' }),
      toolCall(3, 'write_file'),
    ]);
    assert.deepEqual(got, {
      provider: 'openai',
      model: 'gpt',
      status: 'succeeded',
      toolCalls: [
        { callId: 'c3', tool: 'write_file', arguments: '{}', outcome: 'ok', summary: 'done' },
        { callId: 'c4', tool: 'read_file', arguments: '{}', outcome: 'ok', summary: 'done' },
      ],
      omittedToolCalls: 0,
      truncated: false,
    });
  });

  it('counts a redelivered event once', () => {
    const got = buildCondensedTranscript([toolCall(1, 'a'), toolCall(1, 'a')]);
    assert.equal(got.toolCalls.length, 1);
  });

  it('cuts arguments, summaries and errors to the text limit', () => {
    const got = buildCondensedTranscript(
      [toolCall(1, 'a', 'x'.repeat(50), 'y'.repeat(50)), completed(2, 'z'.repeat(50))],
      {
        maxToolCalls: 10,
        maxTextLength: 10,
      },
    );
    assert.equal(got.toolCalls[0]?.arguments, `${'x'.repeat(9)}…`);
    assert.equal(got.toolCalls[0]?.summary, `${'y'.repeat(9)}…`);
    assert.equal(got.error, `${'z'.repeat(9)}…`);
    assert.equal(got.status, 'failed');
    assert.equal(got.truncated, true);
  });

  it('keeps the first and the last tool calls and counts those left out', () => {
    const events = Array.from({ length: 10 }, (_, index) => toolCall(index + 1, `t${index + 1}`));
    const got = buildCondensedTranscript(events, { maxToolCalls: 5, maxTextLength: 100 });
    assert.deepEqual(
      got.toolCalls.map((call) => call.tool),
      ['t1', 't2', 't3', 't9', 't10'],
    );
    assert.equal(got.omittedToolCalls, 5);
    assert.equal(got.truncated, true);
  });
});
