// Provider failures as one error type with the run failure reason they imply, mapped from whatever
// the OpenAI or Anthropic SDK threw. The message is one sentence a user can act on: the provider,
// the HTTP status and the provider's own words, never a key.
import {
  APIConnectionError as AnthropicConnectionError,
  APIConnectionTimeoutError as AnthropicTimeoutError,
  APIError as AnthropicApiError,
} from '@anthropic-ai/sdk';
import {
  APIConnectionError as OpenAIConnectionError,
  APIConnectionTimeoutError as OpenAITimeoutError,
  APIError as OpenAIApiError,
} from 'openai';
import { K8sClawError, type RunFailureReason } from '../../api/index.ts';

export class ProviderError extends K8sClawError {
  readonly reason: RunFailureReason;
  readonly status?: number;

  constructor(reason: RunFailureReason, message: string, options?: { status?: number; cause?: unknown }) {
    super(reason, message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.reason = reason;
    if (options?.status !== undefined) this.status = options.status;
  }
}

export interface ProviderErrorContext {
  /** Named in the message, e.g. `openai` or `azure-openai`. */
  provider: string;
  /** The caller's signal: once it is aborted, any failure is the abort. */
  signal?: AbortSignal;
  /** Strings that must never appear in a message (the API key). */
  secrets?: readonly (string | undefined)[];
}

/** The longest provider message kept: run errors are capped at 4 KiB. */
const maxProviderMessage = 600;

/**
 * What to throw for `error`, raised while talking to a provider: the abort itself when the caller's
 * signal was aborted, otherwise a ProviderError whose reason follows the HTTP status.
 */
export function toProviderError(error: unknown, context: ProviderErrorContext): Error {
  if (context.signal?.aborted) return abortReason(context.signal);
  if (error instanceof ProviderError) return error;
  const provider = context.provider;
  const detail = scrub(providerMessage(error), context.secrets);
  const options = { cause: error };

  if (error instanceof OpenAITimeoutError || error instanceof AnthropicTimeoutError || isTimeout(error)) {
    return new ProviderError('ProviderUnavailable', `${provider} did not answer in time: ${detail}`, options);
  }
  if (error instanceof OpenAIConnectionError || error instanceof AnthropicConnectionError) {
    return new ProviderError('ProviderUnavailable', `could not connect to ${provider}: ${detail}`, options);
  }
  if (error instanceof OpenAIApiError || error instanceof AnthropicApiError) {
    const status = error.status;
    if (status === undefined) {
      // an error event inside a stream that had already answered 200
      const reason = reasonForErrorType(errorType(error));
      return new ProviderError(reason, `${provider} failed while answering: ${detail}`, options);
    }
    return providerErrorForStatus(provider, status, detail, error);
  }
  return new ProviderError('ProviderError', `${provider} call failed: ${detail}`, options);
}

/** A ProviderError for an HTTP status the provider answered with. */
export function providerErrorForStatus(
  provider: string,
  status: number,
  detail: string,
  cause?: unknown,
): ProviderError {
  const reason = reasonForStatus(status);
  const what =
    reason === 'ProviderUnauthorized'
      ? `${provider} refused the credentials`
      : reason === 'ProviderRateLimited'
        ? `${provider} is rate limiting requests`
        : reason === 'ProviderUnavailable'
          ? `${provider} is unavailable`
          : reason === 'ProviderRejected'
            ? `${provider} rejected the request`
            : `${provider} answered unexpectedly`;
  return new ProviderError(reason, `${what} (HTTP ${status}): ${detail}`, { status, cause });
}

export function reasonForStatus(status: number): RunFailureReason {
  if (status === 401 || status === 403) return 'ProviderUnauthorized';
  if (status === 429) return 'ProviderRateLimited';
  if (status >= 500 || status === 408) return 'ProviderUnavailable';
  if (status >= 400) return 'ProviderRejected';
  return 'ProviderError';
}

/**
 * The reason for an error reported without an HTTP status (an `error` event mid-stream, a failed
 * response): OpenAI error codes and Anthropic error types.
 */
export function reasonForErrorType(type: string | undefined): RunFailureReason {
  switch (type) {
    case 'authentication_error':
    case 'permission_error':
    case 'invalid_api_key':
      return 'ProviderUnauthorized';
    case 'rate_limit_error':
    case 'rate_limit_exceeded':
    case 'insufficient_quota':
      return 'ProviderRateLimited';
    case 'api_error':
    case 'overloaded_error':
    case 'timeout_error':
    case 'server_error':
    case 'server_is_overloaded':
      return 'ProviderUnavailable';
    case 'invalid_request_error':
    case 'not_found_error':
    case 'billing_error':
    case 'invalid_prompt':
    case 'context_length_exceeded':
      return 'ProviderRejected';
    default:
      return 'ProviderError';
  }
}

function abortReason(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  return reason instanceof Error ? reason : new DOMException('The operation was aborted.', 'AbortError');
}

function isTimeout(error: unknown): boolean {
  return error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
}

function errorType(error: OpenAIApiError | AnthropicApiError): string | undefined {
  if (error instanceof AnthropicApiError) return error.type ?? undefined;
  return error.code ?? error.type ?? undefined;
}

/** The provider's own words: the error body's message, else the deepest cause's message. */
function providerMessage(error: unknown): string {
  if (error instanceof AnthropicApiError && error.apiMessage) return error.apiMessage;
  if (error instanceof OpenAIApiError) {
    const body: unknown = error.error;
    if (isRecord(body) && typeof body.message === 'string' && body.message) return body.message;
  }
  if (error instanceof OpenAIConnectionError || error instanceof AnthropicConnectionError) {
    const root = rootCause(error);
    if (root !== error && root.message) return `${error.message} (${root.message})`;
  }
  if (error instanceof Error) return error.message || error.name;
  return typeof error === 'string' ? error : 'unknown error';
}

function rootCause(error: Error): Error {
  let current = error;
  for (let depth = 0; depth < 5 && current.cause instanceof Error; depth++) current = current.cause;
  return current;
}

/** Key-shaped tokens, e.g. `sk-proj-…` or `sk-ant-…`, which providers echo (partly masked). */
const keyLike = /\bsk-[A-Za-z0-9_*-]{6,}/g;

function scrub(message: string, secrets: readonly (string | undefined)[] = []): string {
  let clean = message;
  for (const secret of secrets) {
    if (secret && secret.length >= 4) clean = clean.split(secret).join('[redacted]');
  }
  clean = clean.replace(keyLike, '[redacted]').replace(/\s+/g, ' ').trim();
  if (clean.length > maxProviderMessage) clean = `${clean.slice(0, maxProviderMessage)}…`;
  return clean || 'no error message';
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null;
