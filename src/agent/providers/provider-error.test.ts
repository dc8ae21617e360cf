import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  APIError as AnthropicApiError,
  APIConnectionTimeoutError as AnthropicTimeoutError,
} from '@anthropic-ai/sdk';
import { APIError as OpenAIApiError, APIConnectionError as OpenAIConnectionError } from 'openai';
import { K8sClawError } from '../../api/index.ts';
import { ProviderError, reasonForStatus, toProviderError } from './provider-error.ts';

const context = { provider: 'openai' };

describe('reasonForStatus', () => {
  it('maps HTTP statuses to run failure reasons', () => {
    const table: [number, string][] = [
      [401, 'ProviderUnauthorized'],
      [403, 'ProviderUnauthorized'],
      [429, 'ProviderRateLimited'],
      [500, 'ProviderUnavailable'],
      [502, 'ProviderUnavailable'],
      [503, 'ProviderUnavailable'],
      [529, 'ProviderUnavailable'],
      [400, 'ProviderRejected'],
      [404, 'ProviderRejected'],
      [413, 'ProviderRejected'],
      [422, 'ProviderRejected'],
      [302, 'ProviderError'],
    ];
    for (const [status, reason] of table) assert.equal(reasonForStatus(status), reason, `HTTP ${status}`);
  });
});

describe('toProviderError', () => {
  it('returns the abort reason once the signal is aborted, whatever was thrown', () => {
    const reason = new DOMException('deadline', 'TimeoutError');
    const thrown = new OpenAIApiError(500, { message: 'boom' }, undefined, new Headers());
    assert.equal(toProviderError(thrown, { ...context, signal: AbortSignal.abort(reason) }), reason);
    const plain = toProviderError(thrown, { ...context, signal: AbortSignal.abort('not an error') });
    assert.equal(plain.name, 'AbortError');
    assert.ok(!(plain instanceof ProviderError));
  });

  it('is a K8sClawError with the reason as code, the status and the SDK error as cause', () => {
    const thrown = new OpenAIApiError(
      403,
      { message: 'Project does not have access to model gpt-5' },
      undefined,
      new Headers(),
    );
    const error = toProviderError(thrown, context);
    assert.ok(error instanceof ProviderError);
    assert.ok(error instanceof K8sClawError);
    assert.equal(error.code, 'ProviderUnauthorized');
    assert.equal(error.status, 403);
    assert.equal(error.cause, thrown);
    assert.equal(
      error.message,
      'openai refused the credentials (HTTP 403): Project does not have access to model gpt-5',
    );
  });

  it('never repeats the key, nor key-shaped tokens the provider echoes', () => {
    const key = 'my-very-secret-gateway-key';
    const thrown = new OpenAIApiError(
      401,
      { message: `key ${key} or sk-abc123def456 is wrong` },
      undefined,
      new Headers(),
    );
    const error = toProviderError(thrown, { ...context, secrets: [key] });
    assert.equal(
      error.message,
      'openai refused the credentials (HTTP 401): key [redacted] or [redacted] is wrong',
    );
  });

  it('classifies connection failures and timeouts as ProviderUnavailable', () => {
    const refused = new OpenAIConnectionError({
      cause: new TypeError('fetch failed', { cause: new Error('connect ECONNREFUSED 127.0.0.1:11434') }),
    });
    const connection = toProviderError(refused, { provider: 'ollama' });
    assert.ok(connection instanceof ProviderError);
    assert.equal(connection.reason, 'ProviderUnavailable');
    assert.equal(
      connection.message,
      'could not connect to ollama: Connection error. (connect ECONNREFUSED 127.0.0.1:11434)',
    );

    const timeout = toProviderError(new AnthropicTimeoutError(), { provider: 'anthropic' });
    assert.ok(timeout instanceof ProviderError);
    assert.equal(timeout.reason, 'ProviderUnavailable');
    assert.equal(timeout.message, 'anthropic did not answer in time: Request timed out.');
  });

  it('classifies errors reported inside a stream by their type', () => {
    const event = (type: string) =>
      new AnthropicApiError(
        undefined,
        { type: 'error', error: { type, message: 'x' } },
        undefined,
        new Headers(),
      );
    assert.equal(
      (toProviderError(event('rate_limit_error'), context) as ProviderError).reason,
      'ProviderRateLimited',
    );
    assert.equal(
      (toProviderError(event('overloaded_error'), context) as ProviderError).reason,
      'ProviderUnavailable',
    );
    assert.equal(
      (toProviderError(event('invalid_request_error'), context) as ProviderError).reason,
      'ProviderRejected',
    );
    assert.equal((toProviderError(event('something_new'), context) as ProviderError).reason, 'ProviderError');
  });

  it('passes a ProviderError through and wraps anything else as ProviderError', () => {
    const own = new ProviderError('ProviderRejected', 'already mapped');
    assert.equal(toProviderError(own, context), own);
    const other = toProviderError(new SyntaxError('Unexpected token'), context);
    assert.ok(other instanceof ProviderError);
    assert.equal(other.reason, 'ProviderError');
    assert.equal(other.message, 'openai call failed: Unexpected token');
  });
});
