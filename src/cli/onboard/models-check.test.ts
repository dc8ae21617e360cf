// The models request each provider's key is checked with: its URL and the key's header.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { planModelsRequest } from './models-check.ts';

describe('models check request', () => {
  it('uses each provider’s endpoint and key header', () => {
    assert.deepEqual(planModelsRequest('openai', undefined, 'k'), {
      url: 'https://api.openai.com/v1/models',
      headers: { authorization: 'Bearer k' },
    });
    assert.deepEqual(planModelsRequest('anthropic', undefined, 'k'), {
      url: 'https://api.anthropic.com/v1/models',
      headers: { 'anthropic-version': '2023-06-01', 'x-api-key': 'k' },
    });
    assert.deepEqual(planModelsRequest('azure-openai', 'https://res.openai.azure.com/', 'k'), {
      url: 'https://res.openai.azure.com/openai/v1/models',
      headers: { 'api-key': 'k' },
    });
    assert.deepEqual(planModelsRequest('ollama', undefined), {
      url: 'http://localhost:11434/v1/models',
      headers: {},
    });
    assert.deepEqual(planModelsRequest('openai-compatible', 'http://llm:8000/v1/', 'k'), {
      url: 'http://llm:8000/v1/models',
      headers: { authorization: 'Bearer k' },
    });
  });
});
