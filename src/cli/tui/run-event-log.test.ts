// A run's event feed → the lines its details show, as a table: each row a sequence of updates and
// the lines they give.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RunEvent, RunEventBody } from '../../api/index.ts';
import { emptyRunEventLog, reduceRunFeed, runEventLines, type RunFeedUpdate } from './run-event-log.ts';

const event = (seq: number, body: RunEventBody): RunFeedUpdate => ({
  type: 'event',
  event: {
    id: `e${seq}`,
    seq,
    time: '2026-11-30T10:00:00Z',
    identity: { namespace: 'team-a', instance: 'alice', run: 'alice-x', runUid: 'u1' },
    body,
  } satisfies RunEvent,
});
const open: RunFeedUpdate = { type: 'open' };
const usage = { input: 120, output: 30 };

const table: [string, RunFeedUpdate[], string[]][] = [
  ['nothing yet', [], ['(connecting to the K8sClaw API server for live events…)']],
  ['an open stream without events', [open], ['(no events yet)']],
  [
    'started, then chunks joined into one block, lines split',
    [
      open,
      event(1, { type: 'started', provider: 'openai', model: 'gpt-4o-mini' }),
      event(2, { type: 'chunk', text: 'Hello, ' }),
      event(3, { type: 'chunk', text: 'world.\nSecond line.' }),
    ],
    ['started   openai/gpt-4o-mini', '  Hello, world.', '  Second line.'],
  ],
  [
    'a tool call and a status end the text block; the next chunk starts another',
    [
      open,
      event(1, { type: 'chunk', text: 'Looking.' }),
      event(2, {
        type: 'tool_call',
        callId: 'c1',
        tool: 'web_fetch',
        arguments: '{"url":\n "https://example.com"}',
        outcome: 'refused',
        summary: 'policy denies web_fetch',
      }),
      event(3, { type: 'status', message: 'calling the model', iteration: 2 }),
      event(4, { type: 'chunk', text: 'Done.' }),
    ],
    [
      '  Looking.',
      'tool      web_fetch({"url": "https://example.com"}) refused: policy denies web_fetch',
      'status    calling the model (iteration 2)',
      '  Done.',
    ],
  ],
  [
    'a long tool argument is cut to one line',
    [
      open,
      event(1, {
        type: 'tool_call',
        callId: 'c1',
        tool: 'shell',
        arguments: 'a'.repeat(100),
        outcome: 'ok',
        summary: '',
      }),
    ],
    [`tool      shell(${'a'.repeat(59)}…) ok`],
  ],
  [
    'completed, succeeded, and the stream’s end',
    [
      open,
      event(1, {
        type: 'completed',
        result: { status: 'succeeded', response: 'Hi', usage, toolCalls: 2, memoryUpdates: [] },
      }),
      { type: 'ended', reason: 'run completed' },
    ],
    ['succeeded 120 in / 30 out tokens, 2 tool calls', '(events ended: run completed)'],
  ],
  [
    'completed, failed, with its reason and error',
    [
      open,
      event(1, {
        type: 'completed',
        result: {
          status: 'failed',
          reason: 'ProviderUnauthorized',
          error: 'the provider refused the key',
          usage: { input: 0, output: 0 },
          toolCalls: 1,
          memoryUpdates: [],
        },
      }),
    ],
    ['failed    ProviderUnauthorized: the provider refused the key; 0 in / 0 out tokens, 1 tool call'],
  ],
  [
    'an event seen again (a replay) is shown once',
    [
      open,
      event(1, { type: 'chunk', text: 'one' }),
      event(1, { type: 'chunk', text: 'one' }),
      event(2, { type: 'chunk', text: ' two' }),
    ],
    ['  one two'],
  ],
  [
    'a stream that cannot be followed says why',
    [{ type: 'unavailable', reason: 'permission denied (403): cannot get agentruns' }],
    [
      '(no live events: permission denied (403): cannot get agentruns)',
      "(the details above are the AgentRun's status)",
    ],
  ],
  [
    'a stream lost after its events keeps them',
    [
      open,
      event(1, { type: 'status', message: 'working' }),
      { type: 'ended', reason: 'the stream was lost (1006)' },
    ],
    ['status    working', '(events ended: the stream was lost (1006))'],
  ],
];

describe('runEventLines(reduceRunFeed(…))', () => {
  for (const [name, updates, lines] of table)
    it(name, () => {
      assert.deepEqual(runEventLines(updates.reduce(reduceRunFeed, emptyRunEventLog)), lines);
    });

  it('keeps the newest 500 entries', () => {
    const updates = Array.from({ length: 600 }, (_, i) =>
      event(i + 1, { type: 'status', message: `s${i + 1}` }),
    );
    const lines = runEventLines([open, ...updates].reduce(reduceRunFeed, emptyRunEventLog));
    assert.equal(lines.length, 500);
    assert.equal(lines[0], 'status    s101');
    assert.equal(lines.at(-1), 'status    s600');
  });
});
