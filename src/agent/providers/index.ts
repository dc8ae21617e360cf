// Public surface of the provider adapters: one factory that turns a run's provider settings into a
// ModelProvider, and the error every adapter fails with.
export {
  createModelProvider,
  usesResponsesApi,
  defaultAzureApiVersion,
  defaultMaxRetries,
  defaultOllamaBaseURL,
  type ModelProviderConfig,
} from './create-provider.ts';
export {
  ProviderError,
  toProviderError,
  reasonForStatus,
  type ProviderErrorContext,
} from './provider-error.ts';
