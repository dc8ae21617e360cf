import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildHistoryMessages } from './history-messages.ts';

describe('buildHistoryMessages', () => {
  it('keeps a conversation of questions and answers as it was, oldest first', () => {
    assert.deepEqual(
      buildHistoryMessages([
        { role: 'user', content: 'My name is Ada.' },
        { role: 'assistant', content: 'Hello Ada.' },
        { role: 'user', content: 'I like tea.' },
        { role: 'assistant', content: 'Noted.' },
      ]),
      [
        { role: 'user', content: 'My name is Ada.' },
        { role: 'assistant', content: 'Hello Ada.', toolCalls: [] },
        { role: 'user', content: 'I like tea.' },
        { role: 'assistant', content: 'Noted.', toolCalls: [] },
      ],
    );
  });

  it('joins consecutive messages of one role and leaves out empty ones', () => {
    assert.deepEqual(
      buildHistoryMessages([
        { role: 'user', content: 'one' },
        { role: 'assistant', content: 'a' },
        { role: 'assistant', content: '  ' },
        { role: 'assistant', content: 'b' },
      ]),
      [
        { role: 'user', content: 'one' },
        { role: 'assistant', content: 'a\n\nb', toolCalls: [] },
      ],
    );
  });

  it('opens with the user: replies before the first question are left out', () => {
    assert.deepEqual(
      buildHistoryMessages([
        { role: 'assistant', content: 'orphan' },
        { role: 'user', content: 'q' },
        { role: 'assistant', content: 'a' },
      ]),
      [
        { role: 'user', content: 'q' },
        { role: 'assistant', content: 'a', toolCalls: [] },
      ],
    );
  });

  it('drops a last question that was never answered, so the task is the next user message', () => {
    assert.deepEqual(
      buildHistoryMessages([
        { role: 'user', content: 'q' },
        { role: 'assistant', content: 'a' },
        { role: 'user', content: 'unanswered' },
      ]),
      [
        { role: 'user', content: 'q' },
        { role: 'assistant', content: 'a', toolCalls: [] },
      ],
    );
    assert.deepEqual(buildHistoryMessages([]), []);
  });
});
