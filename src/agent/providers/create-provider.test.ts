import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createModelProvider, usesResponsesApi, type ModelProviderConfig } from './create-provider.ts';
import { ProviderError } from './provider-error.ts';

describe('usesResponsesApi', () => {
  it('picks the Responses API for OpenAI reasoning models only', () => {
    for (const model of [
      'o1',
      'o1-mini',
      'o3',
      'o3-pro',
      'o4-mini',
      'gpt-5',
      'gpt-5-mini',
      'gpt-5.1-codex',
    ]) {
      assert.equal(usesResponsesApi(model), true, model);
    }
    for (const model of ['gpt-4o', 'gpt-4.1-mini', 'gpt-4o-mini', 'chatgpt-4o-latest', 'gpt-3.5-turbo']) {
      assert.equal(usesResponsesApi(model), false, model);
    }
  });
});

describe('createModelProvider', () => {
  const base: ModelProviderConfig = {
    provider: 'openai',
    model: 'gpt-4o',
    apiKey: 'sk-test',
    thinking: 'off',
  };

  it('chooses the adapter from provider and model', () => {
    const name = (config: Partial<ModelProviderConfig>) => createModelProvider({ ...base, ...config }).name;
    assert.equal(name({}), 'openai-chat');
    assert.equal(name({ model: 'o3' }), 'openai-responses');
    assert.equal(
      name({ provider: 'azure-openai', model: 'o3', baseURL: 'https://res.openai.azure.com' }),
      'openai-chat',
    );
    assert.equal(name({ provider: 'ollama', model: 'gpt-5', apiKey: undefined }), 'openai-chat');
    assert.equal(name({ provider: 'openai-compatible', baseURL: 'http://vllm:8000/v1' }), 'openai-chat');
    assert.equal(name({ provider: 'anthropic', model: 'claude-sonnet-4-6' }), 'anthropic');
  });

  it('refuses incomplete settings as InvalidConfiguration', () => {
    const invalid = (config: Partial<ModelProviderConfig>, message: RegExp) =>
      assert.throws(
        () => createModelProvider({ ...base, ...config } as ModelProviderConfig),
        (error) =>
          error instanceof ProviderError &&
          error.reason === 'InvalidConfiguration' &&
          message.test(error.message),
      );
    invalid({ apiKey: undefined }, /provider openai needs an API key/);
    invalid({ provider: 'anthropic', apiKey: '' }, /provider anthropic needs an API key/);
    invalid({ provider: 'azure-openai' }, /provider azure-openai needs a base URL/);
    invalid({ provider: 'openai-compatible' }, /provider openai-compatible needs a base URL/);
    invalid({ baseURL: 'not a url' }, /is not a URL/);
    invalid({ model: '' }, /needs a model name/);
    invalid({ provider: 'gemini' as never }, /unknown provider "gemini"/);
    invalid({ thinking: 'max' as never }, /unknown thinking level "max"/);
  });
});
