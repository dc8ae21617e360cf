// transcriptOf: the conversation a model request carried, per wire format, system prompt left out.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TRANSCRIPT_TEXT_LIMIT, transcriptOf } from '../../fakes/model-server/index.ts';

describe('transcriptOf', () => {
  it('reads OpenAI Chat messages in order without the system and developer messages', () => {
    const body = {
      model: 'm',
      messages: [
        { role: 'system', content: 'You are helpful.' },
        { role: 'user', content: 'My name is Ada.' },
        { role: 'assistant', content: [{ type: 'text', text: 'Hello, Ada.' }] },
        { role: 'developer', content: 'hidden' },
        { role: 'user', content: 'Who am I?' },
      ],
    };
    assert.deepEqual(transcriptOf({ format: 'openai-chat', body }), [
      { role: 'user', text: 'My name is Ada.' },
      { role: 'assistant', text: 'Hello, Ada.' },
      { role: 'user', text: 'Who am I?' },
    ]);
  });

  it('reads Responses input items, a string input as one user message', () => {
    assert.deepEqual(transcriptOf({ format: 'openai-responses', body: { input: 'hi' } }), [
      { role: 'user', text: 'hi' },
    ]);
    const input = [
      { role: 'user', content: [{ type: 'input_text', text: 'one' }] },
      { type: 'function_call', call_id: 'c', name: 'f', arguments: '{}' },
      { role: 'assistant', content: [{ type: 'output_text', text: 'two' }] },
    ];
    assert.deepEqual(transcriptOf({ format: 'openai-responses', body: { input } }), [
      { role: 'user', text: 'one' },
      { role: 'assistant', text: 'two' },
    ]);
  });

  it('reads Anthropic messages, cuts long texts, and gives nothing for a body without messages', () => {
    const long = 'x'.repeat(TRANSCRIPT_TEXT_LIMIT + 10);
    const body = { system: 'sys', messages: [{ role: 'user', content: long }] };
    assert.deepEqual(transcriptOf({ format: 'anthropic', body }), [
      { role: 'user', text: 'x'.repeat(TRANSCRIPT_TEXT_LIMIT) },
    ]);
    assert.deepEqual(transcriptOf({ format: 'openai-chat', body: 'not json' }), []);
    assert.deepEqual(transcriptOf({ format: 'openai-chat', body: {} }), []);
  });
});
