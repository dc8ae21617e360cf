// A local Slack for tests, speaking its wire protocols so an unmodified Bolt talks to it with only
// its Web API URL changed:
// - the Web API: `POST /api/<method>` with form or JSON parameters and the token as a Bearer header
//   (or a `token` parameter), answering `{ ok: true, … }` or `{ ok: false, error }` with HTTP 200;
//   `auth.test`, `apps.connections.open` (app-level token only) and `chat.postMessage`. Faults on
//   request: HTTP 429 with Retry-After (`{ ok: false, error: 'ratelimited' }`), HTTP 5xx, or one of
//   Slack's `{ ok: false, error }` refusals.
// - Socket Mode: the WebSocket `apps.connections.open` hands out; `hello` on connect, each event in
//   an `events_api` envelope that stays pending until the client answers `{ envelope_id }`; pending
//   envelopes are sent again on the next connection (retry_attempt counted); `disconnect` messages
//   and dropped connections on request.
// - the HTTP Events API: each event posted to the app's Request URL signed with the signing secret
//   (`X-Slack-Signature: v0=HMAC-SHA256("v0:<timestamp>:<body>")`, `X-Slack-Request-Timestamp`),
//   sent again with `X-Slack-Retry-Num` while the app does not answer 2xx (three retries, as
//   Slack); forged or stale signatures on request; the `url_verification` challenge.
// It records every Web API call the bot made, and offers a control API on the same port
// (`/_control/…`) for tests in another process.
import { createHmac, randomUUID } from 'node:crypto';
import http from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';

type Json = Record<string, unknown>;

export interface SlackFakeOptions {
  botToken: string;
  /** Socket Mode's app-level token (`xapp-…`). */
  appToken?: string;
  /** The HTTP Events API's signing secret. */
  signingSecret?: string;
  /** Events go to this Request URL (HTTP Events API) instead of Socket Mode. */
  eventsUrl?: string;
  bot?: { userId: string; botId: string; name?: string };
  port?: number;
  host?: string;
}

/** What a person (or another bot) sends. */
export interface PushedMessage {
  /** `C…` channel, `D…` direct message, `G…` private channel or group DM. */
  channel: string;
  /** Default: `im` for `D…` channels, else `channel`. */
  channelType?: 'im' | 'mpim' | 'channel' | 'group';
  /** The sender's member id (`U…`); absent on a bot's message. */
  user?: string;
  botId?: string;
  subtype?: string;
  text: string;
  /** A reply in this thread. */
  threadTs?: string;
  /** Who wrote the thread's first message (Slack adds it to replies in a thread). */
  parentUserId?: string;
  /** Also send the `app_mention` event Slack sends for a mention of the bot. */
  appMention?: boolean;
}

/** One Web API call the bot made, in order, with what the fake answered. */
export interface SlackCall {
  method: string;
  params: Json;
  /** The HTTP status answered. */
  status: number;
  ok: boolean;
  error?: string;
}

export type InjectedFault =
  | { status: 429; retryAfterSeconds?: number }
  | { status: 500 | 502 | 503 }
  /** Slack's `{ ok: false, error }` with HTTP 200, e.g. `channel_not_found`, `ratelimited`. */
  | { error: string };

export interface SignedDelivery {
  eventId: string;
  retryNum: number;
  /** The app's answer; 0 when unreachable. */
  status: number;
}

export interface SlackFake {
  /** The Web API URL to give Bolt (`clientOptions.slackApiUrl`). */
  apiUrl: string;
  /** The fake's own root, where the control API answers. */
  url: string;
  bot: { userId: string; botId: string; teamId: string; appId: string };
  /** Where events are posted (the HTTP Events API), or none: Socket Mode. */
  setEventsUrl(url: string | undefined): void;
  /** Sends a person's message: over Socket Mode, or posted to the Request URL when one is set. */
  pushMessage(message: PushedMessage): { ts: string; eventIds: string[] };
  /** Posts one event to the Request URL now, signed (or forged / stale), and says the answer. */
  postEvent(
    message: PushedMessage,
    options?: { sign?: 'valid' | 'forged' | 'stale'; times?: number },
  ): Promise<{ ts: string; eventId: string; statuses: number[] }>;
  /** The `url_verification` handshake: the app's status and the challenge it answered. */
  verifyUrl(): Promise<{ status: number; challenge?: string; expected: string }>;
  readonly calls: readonly SlackCall[];
  /** The messages the bot posted (chat.postMessage that succeeded). */
  sentMessages(): SlackCall[];
  failNext(method: string, ...faults: InjectedFault[]): void;
  faultsServed(method: string): number;
  /** Envelope ids acknowledged by the app, and the ones still pending. */
  acknowledged(): string[];
  pending(): string[];
  /** Socket Mode connections the app opened so far. */
  connections(): number;
  /** Asks the connected client to reconnect (`disconnect`, `refresh_requested`). */
  requestReconnect(): void;
  /** Drops every Socket Mode connection without a word. */
  dropConnections(): void;
  /** Every post of an event to the Request URL and its answer. */
  eventDeliveries(): SignedDelivery[];
  close(): Promise<void>;
}

const retryDelayMs = 200;
/** Slack retries an event three times. */
const eventRetries = 3;

function signature(secret: string, timestamp: number, body: string): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
}

async function readParams(request: http.IncomingMessage): Promise<Json> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const body = Buffer.concat(chunks).toString('utf8');
  const type = request.headers['content-type'] ?? '';
  if (body.length === 0) return {};
  if (type.includes('application/json')) return JSON.parse(body) as Json;
  const params: Json = {};
  for (const [key, value] of new URLSearchParams(body)) params[key] = value;
  return params;
}

function sendJson(response: http.ServerResponse, status: number, body: unknown, headers: Json = {}): void {
  response
    .writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers })
    .end(JSON.stringify(body));
}

interface Envelope {
  envelope_id: string;
  type: 'events_api';
  payload: Json;
  accepts_response_payload: boolean;
  retry_attempt: number;
  retry_reason: string;
}

export async function startSlackFake(options: SlackFakeOptions): Promise<SlackFake> {
  const bot = {
    userId: options.bot?.userId ?? 'U0CLAWBOT',
    botId: options.bot?.botId ?? 'B0CLAWBOT',
    name: options.bot?.name ?? 'claw',
    teamId: 'T0FAKE',
    appId: 'A0FAKE',
  };
  const calls: SlackCall[] = [];
  const faults = new Map<string, InjectedFault[]>();
  const faultCounts = new Map<string, number>();
  const envelopes: Envelope[] = [];
  const acked: string[] = [];
  const deliveries: SignedDelivery[] = [];
  const sockets = new Set<WebSocket>();
  let connectionCount = 0;
  let lastTs = 0;
  let closed = false;
  let baseUrl = '';
  let eventsUrl = options.eventsUrl;

  function nextTs(): string {
    // unique and increasing, like Slack's: seconds and a sequence
    const now = Math.max(Date.now() * 1000, lastTs + 1);
    lastTs = now;
    return `${Math.floor(now / 1_000_000)}.${String(now % 1_000_000).padStart(6, '0')}`;
  }

  function eventCallback(event: Json): Json {
    return {
      token: 'fake-verification-token',
      team_id: bot.teamId,
      api_app_id: bot.appId,
      event,
      type: 'event_callback',
      event_id: `Ev${randomUUID().replace(/-/g, '').slice(0, 10).toUpperCase()}`,
      event_time: Math.floor(Date.now() / 1000),
      authorizations: [
        {
          enterprise_id: null,
          team_id: bot.teamId,
          user_id: bot.userId,
          is_bot: true,
          is_enterprise_install: false,
        },
      ],
      is_ext_shared_channel: false,
    };
  }

  function eventsOf(message: PushedMessage): { ts: string; bodies: Json[] } {
    const ts = nextTs();
    const channelType = message.channelType ?? (message.channel.startsWith('D') ? 'im' : 'channel');
    const common: Json = {
      channel: message.channel,
      text: message.text,
      ts,
      event_ts: ts,
      ...(message.user !== undefined ? { user: message.user } : {}),
      ...(message.botId !== undefined ? { bot_id: message.botId } : {}),
      ...(message.threadTs !== undefined ? { thread_ts: message.threadTs } : {}),
      ...(message.parentUserId !== undefined ? { parent_user_id: message.parentUserId } : {}),
    };
    const bodies = [
      eventCallback({
        type: 'message',
        ...(message.subtype !== undefined ? { subtype: message.subtype } : {}),
        ...common,
        channel_type: channelType,
      }),
    ];
    if (message.appMention) bodies.push(eventCallback({ type: 'app_mention', ...common }));
    return { ts, bodies };
  }

  function sendEnvelope(envelope: Envelope): void {
    const socket = [...sockets].at(-1);
    if (socket && socket.readyState === socket.OPEN) socket.send(JSON.stringify(envelope));
  }

  async function post(body: Json, sign: 'valid' | 'forged' | 'stale', retryNum: number): Promise<number> {
    const url = eventsUrl;
    if (!url) throw new Error('the fake has no eventsUrl to post events to');
    const text = JSON.stringify(body);
    const timestamp = Math.floor(Date.now() / 1000) - (sign === 'stale' ? 600 : 0);
    const secret = sign === 'forged' ? 'not-the-signing-secret' : (options.signingSecret ?? '');
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-slack-request-timestamp': String(timestamp),
          'x-slack-signature': signature(secret, timestamp, text),
          ...(retryNum > 0
            ? { 'x-slack-retry-num': String(retryNum), 'x-slack-retry-reason': 'http_error' }
            : {}),
        },
        body: text,
        signal: AbortSignal.timeout(60_000),
      });
      await response.arrayBuffer();
      return response.status;
    } catch {
      return 0;
    }
  }

  /** Posts an event until the app answers 2xx, at most once plus Slack's three retries. */
  async function deliverEvent(body: Json): Promise<void> {
    for (let retryNum = 0; retryNum <= eventRetries && !closed; retryNum += 1) {
      const status = await post(body, 'valid', retryNum);
      deliveries.push({ eventId: body.event_id as string, retryNum, status });
      if (status >= 200 && status < 300) return;
      await new Promise((resolve) => setTimeout(resolve, retryDelayMs));
    }
  }

  const methods: Record<string, (params: Json, token: string, host: string) => Json> = {
    'auth.test': (_params, token) =>
      token === options.botToken
        ? {
            ok: true,
            url: 'https://fake.slack.com/',
            team: 'Fake',
            user: bot.name,
            team_id: bot.teamId,
            user_id: bot.userId,
            bot_id: bot.botId,
            is_enterprise_install: false,
          }
        : { ok: false, error: 'invalid_auth' },
    'apps.connections.open': (_params, token, host) => {
      if (token === options.botToken) return { ok: false, error: 'not_allowed_token_type' };
      if (!options.appToken || token !== options.appToken) return { ok: false, error: 'invalid_auth' };
      // the address the client reached the Web API at reaches the socket too
      return { ok: true, url: `ws://${host}/link/?ticket=${randomUUID()}&app_id=${bot.appId}` };
    },
    'chat.postMessage': (params, token) => {
      if (token !== options.botToken) return { ok: false, error: 'invalid_auth' };
      const channel = String(params.channel ?? '');
      const text = String(params.text ?? '');
      if (!/^[CDG][A-Z0-9]+$/.test(channel)) return { ok: false, error: 'channel_not_found' };
      if (text.length === 0 && params.blocks === undefined) return { ok: false, error: 'no_text' };
      if (text.length > 40_000) return { ok: false, error: 'msg_too_long' };
      const ts = nextTs();
      return {
        ok: true,
        channel,
        ts,
        message: {
          type: 'message',
          user: bot.userId,
          bot_id: bot.botId,
          text,
          ts,
          ...(params.thread_ts !== undefined ? { thread_ts: String(params.thread_ts) } : {}),
        },
      };
    },
  };

  function tokenOf(request: http.IncomingMessage, params: Json): string {
    const header = request.headers.authorization ?? '';
    return header.startsWith('Bearer ') ? header.slice('Bearer '.length) : String(params.token ?? '');
  }

  async function handleApi(method: string, request: http.IncomingMessage, response: http.ServerResponse) {
    const params = await readParams(request);
    const token = tokenOf(request, params);
    const { token: _omitted, ...recorded } = params;
    const record = (status: number, body: Json) => {
      calls.push({
        method,
        params: recorded,
        status,
        ok: body.ok === true,
        ...(typeof body.error === 'string' ? { error: body.error } : {}),
      });
    };
    const fault = faults.get(method)?.shift();
    if (fault) {
      faultCounts.set(method, (faultCounts.get(method) ?? 0) + 1);
      if ('error' in fault) {
        const body = { ok: false, error: fault.error };
        record(200, body);
        return sendJson(response, 200, body);
      }
      if (fault.status === 429) {
        const body = { ok: false, error: 'ratelimited' };
        record(429, body);
        return sendJson(response, 429, body, { 'retry-after': String(fault.retryAfterSeconds ?? 1) });
      }
      record(fault.status, { ok: false, error: 'internal_error' });
      response.writeHead(fault.status, { 'content-type': 'text/html' }).end('<html>Server Error</html>');
      return;
    }
    const handler = methods[method];
    const body = handler
      ? handler(params, token, request.headers.host ?? baseUrl.slice('http://'.length))
      : { ok: false, error: 'unknown_method' };
    record(200, body);
    sendJson(response, 200, body);
  }

  async function readJson(request: http.IncomingMessage): Promise<Json> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    return text.length > 0 ? (JSON.parse(text) as Json) : {};
  }

  async function handleControl(url: URL, request: http.IncomingMessage, response: http.ServerResponse) {
    const route = `${request.method} ${url.pathname}`;
    if (route === 'GET /_control/calls') return sendJson(response, 200, { calls });
    if (route === 'POST /_control/faults') {
      const body = await readJson(request);
      fake.failNext(String(body.method), ...((body.faults ?? []) as InjectedFault[]));
      return sendJson(response, 200, { ok: true });
    }
    if (route === 'POST /_control/messages') {
      const message = (await readJson(request)) as unknown as PushedMessage;
      const forge = url.searchParams.get('forge');
      if (forge !== null || eventsUrl) {
        // webhook delivery: answer with the app's status
        const sign = forge === 'signature' ? 'forged' : forge === 'timestamp' ? 'stale' : 'valid';
        const result = await fake.postEvent(message, { sign });
        return sendJson(response, 200, { ...result, status: result.statuses.at(-1) ?? 0 });
      }
      return sendJson(response, 200, fake.pushMessage(message));
    }
    if (route === 'POST /_control/reconnect') {
      fake.requestReconnect();
      return sendJson(response, 200, { ok: true });
    }
    sendJson(response, 404, { error: 'no such control route' });
  }

  const server = http.createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://fake');
    const handle = url.pathname.startsWith('/api/')
      ? handleApi(url.pathname.slice('/api/'.length), request, response)
      : url.pathname.startsWith('/_control/')
        ? handleControl(url, request, response)
        : Promise.resolve(sendJson(response, 404, { ok: false, error: 'not_found' }));
    handle.catch((error: unknown) => {
      if (!response.headersSent) sendJson(response, 400, { ok: false, error: String(error) });
    });
  });

  const wss = new WebSocketServer({ noServer: true });
  server.on('upgrade', (request: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    if (!(request.url ?? '').startsWith('/link/')) {
      socket.destroy();
      return;
    }
    wss.handleUpgrade(request, socket, head, (ws) => {
      connectionCount += 1;
      sockets.add(ws);
      ws.on('close', () => sockets.delete(ws));
      ws.on('message', (data) => {
        let message: Json;
        try {
          message = JSON.parse(String(data)) as Json;
        } catch {
          return;
        }
        const id = message.envelope_id;
        const index = envelopes.findIndex((envelope) => envelope.envelope_id === id);
        if (index >= 0) {
          envelopes.splice(index, 1);
          acked.push(String(id));
        }
      });
      ws.send(
        JSON.stringify({
          type: 'hello',
          num_connections: sockets.size,
          debug_info: { host: 'fake-slack', build_number: 1, approximate_connection_time: 18060 },
          connection_info: { app_id: bot.appId },
        }),
      );
      // what the previous connections never acknowledged comes again
      for (const envelope of envelopes) {
        envelope.retry_attempt += 1;
        envelope.retry_reason = 'timeout';
        ws.send(JSON.stringify(envelope));
      }
    });
  });

  await new Promise<void>((resolve) =>
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve),
  );
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  baseUrl = `http://${options.host && options.host !== '0.0.0.0' ? options.host : '127.0.0.1'}:${port}`;

  const fake: SlackFake = {
    apiUrl: `${baseUrl}/api/`,
    url: baseUrl,
    bot: { userId: bot.userId, botId: bot.botId, teamId: bot.teamId, appId: bot.appId },
    setEventsUrl(url) {
      eventsUrl = url;
    },
    pushMessage(message) {
      const { ts, bodies } = eventsOf(message);
      for (const body of bodies) {
        if (eventsUrl) {
          void deliverEvent(body);
          continue;
        }
        const envelope: Envelope = {
          envelope_id: randomUUID(),
          type: 'events_api',
          payload: body,
          accepts_response_payload: false,
          retry_attempt: 0,
          retry_reason: '',
        };
        envelopes.push(envelope);
        sendEnvelope(envelope);
      }
      return { ts, eventIds: bodies.map((body) => body.event_id as string) };
    },
    async postEvent(message, postOptions = {}) {
      const { ts, bodies } = eventsOf(message);
      const body = bodies[0] as Json;
      const statuses: number[] = [];
      for (let retryNum = 0; retryNum < (postOptions.times ?? 1); retryNum += 1) {
        const status = await post(body, postOptions.sign ?? 'valid', retryNum);
        deliveries.push({ eventId: body.event_id as string, retryNum, status });
        statuses.push(status);
      }
      return { ts, eventId: body.event_id as string, statuses };
    },
    async verifyUrl() {
      const expected = randomUUID();
      const url = eventsUrl;
      if (!url) throw new Error('the fake has no eventsUrl');
      const text = JSON.stringify({
        token: 'fake-verification-token',
        challenge: expected,
        type: 'url_verification',
      });
      const timestamp = Math.floor(Date.now() / 1000);
      const response = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-slack-request-timestamp': String(timestamp),
          'x-slack-signature': signature(options.signingSecret ?? '', timestamp, text),
        },
        body: text,
      });
      const answer = (await response.json().catch(() => ({}))) as { challenge?: string };
      return {
        status: response.status,
        expected,
        ...(answer.challenge ? { challenge: answer.challenge } : {}),
      };
    },
    get calls() {
      return calls;
    },
    sentMessages: () => calls.filter((call) => call.method === 'chat.postMessage' && call.ok),
    failNext(method, ...injected) {
      faults.set(method, [...(faults.get(method) ?? []), ...injected]);
    },
    faultsServed: (method) => faultCounts.get(method) ?? 0,
    acknowledged: () => [...acked],
    pending: () => envelopes.map((envelope) => envelope.envelope_id),
    connections: () => connectionCount,
    requestReconnect() {
      for (const socket of sockets) {
        socket.send(
          JSON.stringify({
            type: 'disconnect',
            reason: 'refresh_requested',
            debug_info: { host: 'fake-slack' },
          }),
        );
      }
    },
    dropConnections() {
      for (const socket of sockets) socket.terminate();
    },
    eventDeliveries: () => [...deliveries],
    async close() {
      closed = true;
      for (const socket of sockets) socket.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return fake;
}
