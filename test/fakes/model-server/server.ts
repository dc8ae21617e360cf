// A scripted LLM server speaking the OpenAI (Chat Completions, Responses; also Azure OpenAI and
// Ollama's OpenAI-compatible paths) and Anthropic Messages wire formats, so provider adapters built
// on the official SDKs run against it unchanged. Answers come from a ModelScript.
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { newId, planAnswer } from './answer.ts';
import { toolResultsText } from './tool-results.ts';
import { anthropic } from './anthropic.ts';
import { anthropicErrorBody, defaultErrorMessages, openAiErrorBody, RequestError } from './errors.ts';
import type { ApiFormat, WireFormat } from './format.ts';
import { openAiChat } from './openai-chat.ts';
import { openAiResponses } from './openai-responses.ts';
import { validateModelScript, type ModelScript } from './script.ts';
import { selectConversation, selectTurn } from './turns.ts';

export interface RecordedRequest {
  method: string;
  /** URL path without the query. */
  path: string;
  query: Record<string, string>;
  headers: IncomingHttpHeaders;
  /** Parsed JSON body; undefined when it was not JSON. */
  body: unknown;
  format: ApiFormat;
  status: number;
  /** Assistant turns already in the history, i.e. the turn answered; undefined if the body was refused. */
  turnIndex: number | undefined;
  conversationIndex: number | undefined;
}

export interface ScriptedModelServerOptions {
  script: ModelScript;
  /** When set, every model request must present it in its provider's header. */
  apiKey?: string;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0: any free port. */
  port?: number;
  /** Called once per model request, when its status is known. */
  onRequest?: (request: RecordedRequest) => void;
  /** Keep requests in `requests`; default true (a long-running server turns it off). */
  recordRequests?: boolean;
}

export interface ScriptedModelServer {
  /** Base URL, e.g. `http://127.0.0.1:PORT`. */
  readonly url: string;
  readonly requests: RecordedRequest[];
  setScript(script: ModelScript): void;
  close(): Promise<void>;
}

type AuthHeader = 'authorization' | 'api-key' | 'x-api-key';

interface Route {
  wire: WireFormat;
  /** Headers that may carry the key; the first is the provider's usual one, named in messages. */
  auth: AuthHeader[];
  deployment?: string;
  needsApiVersion?: boolean;
}

const AZURE_PATH = /^\/openai(\/v1)?(?:\/deployments\/([^/]+))?\/(chat\/completions|responses)$/;
const MAX_BODY_BYTES = 32 * 1024 * 1024;
const DEFAULT_MODEL = 'scripted-model';

function routeOf(path: string): Route | undefined {
  // Recent Anthropic SDKs send the key as `Authorization: Bearer`, older ones as `x-api-key`.
  if (path === '/v1/messages') return { wire: anthropic, auth: ['x-api-key', 'authorization'] };
  if (path === '/v1/chat/completions' || path === '/chat/completions') {
    return { wire: openAiChat, auth: ['authorization'] };
  }
  if (path === '/v1/responses' || path === '/responses') {
    return { wire: openAiResponses, auth: ['authorization'] };
  }
  const azure = AZURE_PATH.exec(path);
  if (!azure) return undefined;
  return {
    wire: azure[3] === 'responses' ? openAiResponses : openAiChat,
    auth: ['api-key'],
    deployment: azure[2] === undefined ? undefined : decodeURIComponent(azure[2]),
    needsApiVersion: azure[1] === undefined,
  };
}

function presentedKey(req: IncomingMessage, header: AuthHeader): string | undefined {
  const value = req.headers[header];
  if (typeof value !== 'string') return undefined;
  if (header !== 'authorization') return value;
  return /^Bearer\s+(.+)$/i.exec(value)?.[1];
}

const missingKeyMessages: Record<AuthHeader, string> = {
  authorization:
    "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
  'api-key':
    'Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for an active subscription and use a correct regional API endpoint for your resource.',
  'x-api-key': 'x-api-key header is required',
};
const wrongKeyMessages: Record<AuthHeader, string> = {
  ...missingKeyMessages,
  authorization:
    'Incorrect API key provided. You can find your API key at https://platform.openai.com/account/api-keys.',
  'x-api-key': 'invalid x-api-key',
};

function checkKey(req: IncomingMessage, headers: AuthHeader[], apiKey: string | undefined): void {
  if (apiKey === undefined) return;
  const presented = headers.map((h) => presentedKey(req, h)).filter((k) => k !== undefined && k !== '');
  if (presented.includes(apiKey)) return;
  const messages = presented.length === 0 ? missingKeyMessages : wrongKeyMessages;
  throw new RequestError(401, messages[headers[0]!]);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new RequestError(413, 'Request body too large.');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

export async function startScriptedModelServer(
  options: ScriptedModelServerOptions,
): Promise<ScriptedModelServer> {
  let script = validateModelScript(options.script);
  // Attempts per `conversation:turn`, for errors that fail a number of times and then pass.
  const attempts = new Map<string, number>();
  const requests: RecordedRequest[] = [];
  const record = options.recordRequests ?? true;

  function listModels(req: IncomingMessage, res: ServerResponse): void {
    const isAnthropic = req.headers['anthropic-version'] !== undefined;
    const errorBody = isAnthropic ? anthropicErrorBody : openAiErrorBody;
    if (options.apiKey !== undefined) {
      try {
        checkKey(req, ['authorization', 'api-key', 'x-api-key'], options.apiKey);
      } catch {
        sendJson(res, 401, errorBody(401, defaultErrorMessages[401]!));
        return;
      }
    }
    const names = script.models ?? [DEFAULT_MODEL];
    if (isAnthropic) {
      const data = names.map((id) => ({
        type: 'model',
        id,
        display_name: id,
        created_at: '2025-01-01T00:00:00Z',
      }));
      sendJson(res, 200, {
        data,
        has_more: false,
        first_id: names[0] ?? null,
        last_id: names.at(-1) ?? null,
      });
    } else {
      const data = names.map((id) => ({ id, object: 'model', created: 1735689600, owned_by: 'scripted' }));
      sendJson(res, 200, { object: 'list', data });
    }
  }

  async function handleModelRequest(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    route: Route,
    path: string,
  ) {
    const entry: RecordedRequest = {
      method: req.method ?? 'GET',
      path,
      query: Object.fromEntries(url.searchParams),
      headers: req.headers,
      body: undefined,
      format: route.wire.format,
      status: 0,
      turnIndex: undefined,
      conversationIndex: undefined,
    };
    const finish = (status: number) => {
      entry.status = status;
      if (record) requests.push(entry);
      options.onRequest?.(entry);
    };
    const requestId = { 'x-request-id': newId('req_'), 'request-id': newId('req_') };
    try {
      if (req.method !== 'POST')
        throw new RequestError(405, `Method ${entry.method} not allowed on ${path}; use POST.`);
      const raw = await readBody(req);
      try {
        entry.body = JSON.parse(raw);
      } catch {
        // reported below, after authentication, as providers do
      }
      checkKey(req, route.auth, options.apiKey);
      if (route.needsApiVersion && !url.searchParams.get('api-version')) {
        throw new RequestError(400, 'Missing required query parameter: api-version.');
      }
      if (route.wire === anthropic && req.headers['anthropic-version'] === undefined) {
        throw new RequestError(400, 'anthropic-version: header is required');
      }
      const body = entry.body;
      if (typeof body !== 'object' || body === null || Array.isArray(body)) {
        throw new RequestError(400, 'The request body is not a valid JSON object.');
      }
      const view = {
        ...route.wire.inspect(body as Record<string, unknown>, route.deployment),
        toolResults: toolResultsText(body as Record<string, unknown>),
      };
      if (script.models && !script.models.includes(view.model)) {
        throw new RequestError(
          404,
          `The model \`${view.model}\` does not exist or you do not have access to it.`,
        );
      }
      entry.turnIndex = view.assistantTurns;
      const chosen = selectConversation(script, view.firstUserText);
      if (!chosen) {
        throw new RequestError(
          400,
          `No scripted conversation matches the first user message: ${JSON.stringify(view.firstUserText.slice(0, 200))}`,
        );
      }
      entry.conversationIndex = chosen.index;
      const { turn, scriptIndex } = selectTurn(chosen.conversation, view.assistantTurns);
      if (turn.error && scriptIndex !== undefined) {
        const key = `${chosen.index}:${scriptIndex}`;
        const attempt = (attempts.get(key) ?? 0) + 1;
        attempts.set(key, attempt);
        const { status, message, retryAfterSeconds, times } = turn.error;
        if (times === undefined || attempt <= times) {
          throw new RequestError(
            status,
            message ?? defaultErrorMessages[status] ?? 'Scripted error.',
            retryAfterSeconds,
          );
        }
      }
      const answer = planAnswer(turn, view);
      finish(200);
      for (const [name, value] of Object.entries(requestId)) res.setHeader(name, value);
      route.wire.respond(res, answer, view, body as Record<string, unknown>);
    } catch (err) {
      const error =
        err instanceof RequestError
          ? err
          : new RequestError(500, `Internal error: ${(err as Error).message}`);
      finish(error.status);
      const headers: Record<string, string> = { ...requestId };
      if (error.retryAfterSeconds !== undefined) headers['retry-after'] = String(error.retryAfterSeconds);
      sendJson(res, error.status, route.wire.errorBody(error.status, error.message), headers);
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = url.pathname.replace(/\/+$/, '') || '/';
    if (path === '/healthz') return sendJson(res, 200, { status: 'ok' });
    if (req.method === 'GET' && (path === '/v1/models' || path === '/models')) return listModels(req, res);
    const route = routeOf(path);
    if (!route) {
      return sendJson(res, 404, openAiErrorBody(404, `Unknown request URL: ${req.method} ${path}.`));
    }
    await handleModelRequest(req, res, url, route, path);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) sendJson(res, 500, openAiErrorBody(500, (err as Error).message));
      else res.destroy();
    });
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const reachable = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host;
  const url = `http://${reachable.includes(':') ? `[${reachable}]` : reachable}:${port}`;

  return {
    url,
    requests,
    setScript(next: ModelScript) {
      script = validateModelScript(next);
      attempts.clear();
    },
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
