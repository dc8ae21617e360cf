// The optional check of a provider's key: one GET of the provider's models endpoint with the key
// in the provider's own header. The request is planned by a pure function; the key only ever goes
// into a request header, never into a message.
import type { Provider } from '../../api/index.ts';

export interface ModelsRequest {
  url: string;
  headers: Record<string, string>;
}

export type ModelsCheckResult = { ok: true; models: string[] } | { ok: false; reason: string };

const defaultEndpoints: Partial<Record<Provider, string>> = {
  openai: 'https://api.openai.com/v1',
  anthropic: 'https://api.anthropic.com',
  ollama: 'http://localhost:11434/v1',
};

const anthropicVersion = '2023-06-01';

/** The models endpoint of `provider` at `baseUrl` (or its public endpoint), with the key's header. */
export function planModelsRequest(
  provider: Provider,
  baseUrl: string | undefined,
  apiKey?: string,
): ModelsRequest {
  const base = (baseUrl ?? defaultEndpoints[provider] ?? '').replace(/\/+$/, '');
  switch (provider) {
    case 'anthropic':
      return {
        url: `${base}/v1/models`,
        headers: { 'anthropic-version': anthropicVersion, ...(apiKey ? { 'x-api-key': apiKey } : {}) },
      };
    case 'azure-openai':
      // the resource endpoint; the v1 API lists the deployable models without an api-version
      return { url: `${base}/openai/v1/models`, headers: apiKey ? { 'api-key': apiKey } : {} };
    default:
      return { url: `${base}/models`, headers: apiKey ? { authorization: `Bearer ${apiKey}` } : {} };
  }
}

/** Asks the models endpoint; a refusal or a failure to connect is a reason, not a throw. */
export async function fetchModels(request: ModelsRequest, timeoutMs = 10_000): Promise<ModelsCheckResult> {
  let response: Response;
  try {
    response = await fetch(request.url, { headers: request.headers, signal: AbortSignal.timeout(timeoutMs) });
  } catch (error) {
    const cause = (error as Error).cause;
    const detail = cause instanceof Error ? cause.message : (error as Error).message;
    return { ok: false, reason: `cannot reach ${request.url}: ${detail}` };
  }
  if (!response.ok) {
    await response.body?.cancel();
    return {
      ok: false,
      reason:
        response.status === 401 || response.status === 403
          ? `${request.url} refused the key (${response.status})`
          : `${request.url} answered ${response.status}`,
    };
  }
  const body = (await response.json().catch(() => ({}))) as {
    data?: { id?: string }[];
    models?: { name?: string }[];
  };
  const models = (body.data ?? []).map((m) => m.id ?? '').filter(Boolean);
  return { ok: true, models };
}
