// Builds the provider adapter a run's settings ask for, with an SDK client configured only from
// those settings: base URLs, keys and versions are always passed, so the SDKs' environment defaults
// (OPENAI_BASE_URL, ANTHROPIC_API_KEY …) never take effect.
//
// Retries on 408/409/429/5xx and connection failures are the SDKs' own (`maxRetries`). Both SDKs
// read `retry-after-ms`, then `retry-after` (seconds or an HTTP date), and wait that long before
// retrying; otherwise, and for a delay over 60 s (OpenAI) or not above 0 (Anthropic), they back off
// exponentially from 0.5 s to at most 8 s with jitter (openai src/client.ts and
// @anthropic-ai/sdk src/client.ts, retryRequest). The wait ends early when the run's signal aborts.
import Anthropic from '@anthropic-ai/sdk';
import OpenAI, { AzureOpenAI } from 'openai';
import { providers, thinkingLevels, type Provider, type ThinkingLevel } from '../../api/index.ts';
import type { ModelProvider } from '../model.ts';
import { anthropicProvider } from './anthropic.ts';
import { openAIChatProvider } from './openai-chat.ts';
import { openAIResponsesProvider } from './openai-responses.ts';
import { ProviderError } from './provider-error.ts';

export interface ModelProviderConfig {
  provider: Provider;
  /** The model, or for azure-openai the deployment name. */
  model: string;
  /** The endpoint; for azure-openai the resource endpoint, e.g. `https://res.openai.azure.com`. */
  baseURL?: string;
  apiKey?: string;
  /** Checked here; each request carries the level it wants. */
  thinking: ThinkingLevel;
  azureApiVersion?: string;
  maxRetries?: number;
  /**
   * Bounds the wait for an answer to start (the SDK's timeout, which it retries) and every silence
   * inside a streamed answer. Unset: the SDKs' 10 minutes to start, and no bound on silences.
   */
  requestTimeoutMs?: number;
  fetch?: typeof fetch;
}

export const defaultMaxRetries = 4;
export const defaultAzureApiVersion = '2025-04-01-preview';
export const defaultOllamaBaseURL = 'http://localhost:11434/v1';
const openAIBaseURL = 'https://api.openai.com/v1';
const anthropicBaseURL = 'https://api.anthropic.com';
/** Sent where the SDK insists on a key and the server needs none (Ollama, most local servers). */
const placeholderKey = 'no-key';

/** OpenAI models that reason, which are served best by the Responses API. */
export function usesResponsesApi(model: string): boolean {
  return /^(o1|o3|o4|gpt-5)/.test(model);
}

export function createModelProvider(config: ModelProviderConfig): ModelProvider {
  validate(config);
  const { provider, model, apiKey } = config;
  const common = {
    maxRetries: config.maxRetries ?? defaultMaxRetries,
    ...(config.requestTimeoutMs !== undefined ? { timeout: config.requestTimeoutMs } : {}),
    ...(config.fetch ? { fetch: config.fetch } : {}),
  };
  const openAIIdentity = { organization: null, project: null, adminAPIKey: null, webhookSecret: null };
  const adapter = {
    model,
    label: provider,
    ...(apiKey ? { apiKey } : {}),
    ...(config.requestTimeoutMs !== undefined ? { idleTimeoutMs: config.requestTimeoutMs } : {}),
  };

  switch (provider) {
    case 'openai': {
      const client = new OpenAI({
        ...common,
        ...openAIIdentity,
        apiKey: apiKey ?? '',
        baseURL: config.baseURL ?? openAIBaseURL,
      });
      return usesResponsesApi(model)
        ? openAIResponsesProvider({ client, ...adapter })
        : openAIChatProvider({
            client,
            ...adapter,
            // models that do not reason reject reasoning_effort
            reasoningEffort: false,
            maxTokensField: 'max_completion_tokens',
          });
    }
    case 'azure-openai': {
      const client = new AzureOpenAI({
        ...common,
        ...openAIIdentity,
        apiKey: apiKey ?? '',
        baseURL: azureBaseURL(config.baseURL ?? ''),
        apiVersion: config.azureApiVersion ?? defaultAzureApiVersion,
        deployment: model,
      });
      return openAIChatProvider({
        client,
        ...adapter,
        // a deployment name does not tell the model, so the configured level is trusted
        reasoningEffort: true,
        maxTokensField: 'max_completion_tokens',
      });
    }
    case 'ollama':
    case 'openai-compatible': {
      const client = new OpenAI({
        ...common,
        ...openAIIdentity,
        apiKey: apiKey ?? placeholderKey,
        baseURL: config.baseURL ?? defaultOllamaBaseURL,
      });
      return openAIChatProvider({
        client,
        ...adapter,
        // these servers may reject parameters OpenAI added recently
        reasoningEffort: false,
        maxTokensField: 'max_tokens',
      });
    }
    case 'anthropic': {
      const client = new Anthropic({
        ...common,
        apiKey: apiKey ?? '',
        baseURL: config.baseURL ?? anthropicBaseURL,
      });
      return anthropicProvider({ client, ...adapter });
    }
  }
}

function validate(config: ModelProviderConfig): void {
  const invalid = (message: string) => new ProviderError('InvalidConfiguration', message);
  if (!(providers as readonly string[]).includes(config.provider)) {
    throw invalid(`unknown provider "${config.provider}"; expected one of ${providers.join(', ')}`);
  }
  if (!(thinkingLevels as readonly string[]).includes(config.thinking)) {
    throw invalid(
      `unknown thinking level "${config.thinking}"; expected one of ${thinkingLevels.join(', ')}`,
    );
  }
  if (!config.model) throw invalid(`provider ${config.provider} needs a model name`);
  const needsKey =
    config.provider === 'openai' || config.provider === 'anthropic' || config.provider === 'azure-openai';
  if (needsKey && !config.apiKey) throw invalid(`provider ${config.provider} needs an API key`);
  const needsBaseURL = config.provider === 'azure-openai' || config.provider === 'openai-compatible';
  if (needsBaseURL && !config.baseURL) throw invalid(`provider ${config.provider} needs a base URL`);
  if (config.baseURL !== undefined && !URL.canParse(config.baseURL)) {
    throw invalid(`the base URL of provider ${config.provider} is not a URL`);
  }
}

/** The Azure resource endpoint with the `/openai` path the data-plane API lives under. */
export function azureBaseURL(endpoint: string): string {
  const trimmed = endpoint.replace(/\/+$/, '');
  return /\/openai(\/|$)/.test(new URL(trimmed).pathname) ? trimmed : `${trimmed}/openai`;
}
