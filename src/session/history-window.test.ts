import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  estimateTokens,
  planHistoryWindow,
  type HistoryLimits,
  type HistoryMessage,
} from './history-window.ts';

const user = (content: string): HistoryMessage => ({ role: 'user', content });
const assistant = (content: string): HistoryMessage => ({ role: 'assistant', content });
/** A message whose estimate is exactly `tokens` (text of 3 characters a token plus the overhead). */
const sized = (role: HistoryMessage['role'], tokens: number, tag: string): HistoryMessage => ({
  role,
  content: tag.padEnd((tokens - 4) * 3, '.'),
});
const roomy: HistoryLimits = { maxTurns: 100, maxTokens: 1_000_000 };

describe('estimateTokens', () => {
  it('counts three characters a token, rounded up, plus four for the message', () => {
    assert.equal(estimateTokens(user('')), 4);
    assert.equal(estimateTokens(user('abc')), 5);
    assert.equal(estimateTokens(user('abcd')), 6);
  });
});

describe('planHistoryWindow', () => {
  const cases: { name: string; messages: HistoryMessage[]; limits: HistoryLimits; want: string[] }[] = [
    { name: 'no messages', messages: [], limits: roomy, want: [] },
    {
      name: 'everything fits',
      messages: [user('q1'), assistant('a1'), user('q2'), assistant('a2')],
      limits: roomy,
      want: ['q1', 'a1', 'q2', 'a2'],
    },
    {
      name: 'max turns keeps the newest turns',
      messages: [user('q1'), assistant('a1'), user('q2'), assistant('a2'), user('q3'), assistant('a3')],
      limits: { maxTurns: 2, maxTokens: 1_000_000 },
      want: ['q2', 'a2', 'q3', 'a3'],
    },
    {
      name: 'zero turns keeps nothing',
      messages: [user('q1'), assistant('a1')],
      limits: { maxTurns: 0, maxTokens: 1_000_000 },
      want: [],
    },
    {
      name: 'the token budget drops the oldest turns',
      messages: [
        sized('user', 10, 'q1'),
        sized('assistant', 10, 'a1'),
        sized('user', 10, 'q2'),
        sized('assistant', 10, 'a2'),
      ],
      limits: { maxTurns: 10, maxTokens: 39 },
      want: ['q2', 'a2'],
    },
    {
      name: 'a budget that fits exactly keeps the turn',
      messages: [sized('user', 10, 'q1'), sized('assistant', 10, 'a1')],
      limits: { maxTurns: 10, maxTokens: 20 },
      want: ['q1', 'a1'],
    },
    {
      name: 'a pair is never split: half a turn is not kept even when the half would fit',
      messages: [sized('user', 10, 'q1'), sized('assistant', 10, 'a1')],
      limits: { maxTurns: 10, maxTokens: 15 },
      want: [],
    },
    {
      name: 'an older small turn after a skipped big one is not kept (no gaps)',
      messages: [
        sized('user', 5, 'q1'),
        sized('assistant', 5, 'a1'),
        sized('user', 50, 'q2'),
        sized('assistant', 50, 'a2'),
        sized('user', 5, 'q3'),
        sized('assistant', 5, 'a3'),
      ],
      limits: { maxTurns: 10, maxTokens: 30 },
      want: ['q3', 'a3'],
    },
    {
      name: 'several replies to one question stay with it',
      messages: [user('q1'), assistant('a1'), user('q2'), assistant('a2a'), assistant('a2b')],
      limits: { maxTurns: 1, maxTokens: 1_000_000 },
      want: ['q2', 'a2a', 'a2b'],
    },
    {
      name: 'an unanswered question is a turn of its own',
      messages: [user('q1'), assistant('a1'), user('q2')],
      limits: { maxTurns: 1, maxTokens: 1_000_000 },
      want: ['q2'],
    },
    {
      name: 'replies before the first question form a turn',
      messages: [assistant('hello'), user('q1'), assistant('a1')],
      limits: { maxTurns: 2, maxTokens: 1_000_000 },
      want: ['hello', 'q1', 'a1'],
    },
  ];
  for (const { name, messages, limits, want } of cases) {
    it(name, () => {
      const got = planHistoryWindow(messages, limits).map((message) => message.content.replace(/\.+$/, ''));
      assert.deepEqual(got, want);
    });
  }

  it('keeps the extra fields of the messages it returns', () => {
    const messages = [{ role: 'user' as const, content: 'q', id: 7 }];
    assert.deepEqual(planHistoryWindow(messages, roomy), messages);
  });
});
