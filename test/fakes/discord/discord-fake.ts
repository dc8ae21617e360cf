// A local Discord for tests, speaking its wire protocols so an unmodified discord.js talks to it
// with only its REST root changed. REST under `/api/v10` with `Authorization: Bot <token>`:
// `GET /gateway/bot` (where the Gateway is), `GET /users/@me`, `GET /channels/{id}`,
// `POST /channels/{id}/messages` and `POST /channels/{id}/typing`; errors as Discord's
// `{ code, message }` bodies, 429 with `retry_after` in the body and in `Retry-After` and the
// `X-RateLimit-*` headers discord.js reads. The Gateway is a WebSocket (JSON, no compression): HELLO,
// IDENTIFY (token and intents checked: without MESSAGE_CONTENT guild messages arrive without their
// text, as on Discord), HEARTBEAT/ACK, READY then GUILD_CREATE, and MESSAGE_CREATE dispatches with
// sequence numbers for the messages people "send" (pushMessage) and the bot's own messages. A
// dropped connection may RESUME its session at `resume_gateway_url` and gets the dispatches it
// missed; a message pushed while no session exists is lost, as Discord does not redeliver. The
// control API under `/_control/` (messages, calls, faults, drop-connections) drives it from outside.
import http from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';

type Json = Record<string, unknown>;

/** Gateway intents (bits) the fake knows. */
export const gatewayIntents = {
  guilds: 1 << 0,
  guildMessages: 1 << 9,
  directMessages: 1 << 12,
  messageContent: 1 << 15,
} as const;

export interface FakeDiscordUser {
  id: string;
  username: string;
  globalName?: string;
  bot?: boolean;
}

export interface PushedDiscordMessage {
  /** A guild text channel or thread of the fake's guild, or any other id: a DM channel. */
  channelId: string;
  author: FakeDiscordUser;
  content: string;
  /** The message (id) this one replies to. */
  replyTo?: { messageId: string; author: FakeDiscordUser };
  /** Posted by a webhook (`webhook_id`). */
  webhookId?: string;
  /** Discord's message type: 0 default, 19 reply, 7 member join and the other system messages. */
  type?: number;
}

/** One REST call the bot made, whatever the fake answered. */
export interface RecordedCall {
  /** Discord's name of the endpoint: getGatewayBot, getCurrentUser, getChannel, createMessage, triggerTypingIndicator. */
  method: string;
  httpMethod: string;
  path: string;
  body?: Json;
  /** The status the fake answered with (0: the connection was dropped). */
  status: number;
  /** The message the fake created (createMessage). */
  message?: Json;
}

export interface InjectedFault {
  /** 403: missing access; 404: unknown channel; `drop`: the connection closes without an answer. */
  status: 403 | 404 | 429 | 500 | 502 | 503 | 'drop';
  retryAfterSeconds?: number;
}

export interface DiscordFakeOptions {
  token: string;
  bot?: FakeDiscordUser;
  guild?: { id: string; name: string; channelId: string; threadId: string };
  port?: number;
  host?: string;
  /** Sent in HELLO (Discord sends 41250). */
  heartbeatIntervalMs?: number;
  /** GUILD_CREATE lists the guild's thread (default), else the bot learns of it from its messages. */
  announceThread?: boolean;
}

export interface GatewayEvent {
  kind: 'identify' | 'resume' | 'heartbeat' | 'connect' | 'close';
  url?: string;
  intents?: number;
  sessionId?: string;
  seq?: number | null;
}

export interface DiscordFake {
  /** The REST root to give discord.js (its `rest.api` option); the Gateway is found through it. */
  apiUrl: string;
  bot: FakeDiscordUser;
  guild: { id: string; name: string; channelId: string; threadId: string };
  /** A person's message: dispatched as MESSAGE_CREATE to every ready session whose intents cover it. */
  pushMessage(message: PushedDiscordMessage): { messageId: string; sessions: number };
  /** Every REST call the bot made, in order. */
  readonly calls: readonly RecordedCall[];
  /** The messages the bot created, in order. */
  sentMessages(): RecordedCall[];
  /** The next calls of `method` fail with these faults, one each, in order. */
  failNext(method: string, ...faults: InjectedFault[]): void;
  faultsServed(method: string): number;
  /** Everything that happened on the Gateway, in order. */
  gatewayEvents(): GatewayEvent[];
  /** How many sessions are identified (or resumed) and connected now. */
  readySessions(): number;
  /**
   * Drops every Gateway connection without a close frame (the sessions stay resumable), or closes
   * them with a Gateway close code, e.g. 4004 when the token was reset.
   */
  dropConnections(closeCode?: number): void;
  close(): Promise<void>;
}

const discordEpoch = 1_420_070_400_000n;
let increment = 0n;

function snowflake(): string {
  increment = (increment + 1n) % 4096n;
  return String(((BigInt(Date.now()) - discordEpoch) << 22n) | increment);
}

function userJson(user: FakeDiscordUser): Json {
  return {
    id: user.id,
    username: user.username,
    discriminator: '0',
    global_name: user.globalName ?? null,
    avatar: null,
    ...(user.bot ? { bot: true } : {}),
  };
}

function send(response: http.ServerResponse, status: number, body?: Json, headers: Json = {}): void {
  const base = { 'content-type': 'application/json', ...(headers as Record<string, string>) };
  if (body === undefined) response.writeHead(status, headers as Record<string, string>).end();
  else response.writeHead(status, base).end(JSON.stringify(body));
}

async function readBody(request: http.IncomingMessage): Promise<Json | undefined> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.length === 0) return undefined;
  return JSON.parse(text) as Json;
}

interface Session {
  id: string;
  intents: number;
  seq: number;
  /** Dispatches sent in this session, for a RESUME. */
  log: { seq: number; t: string; d: Json }[];
  socket: WebSocket | undefined;
}

/** Which intent a MESSAGE_CREATE needs, and whether its content is visible without MESSAGE_CONTENT. */
function messageVisible(session: Session, message: Json, botId: string): Json | undefined {
  const inGuild = message.guild_id !== undefined;
  const needed = inGuild ? gatewayIntents.guildMessages : gatewayIntents.directMessages;
  if ((session.intents & needed) === 0) return undefined;
  if (!inGuild || (session.intents & gatewayIntents.messageContent) !== 0) return message;
  const author = message.author as Json;
  const mentioned = (message.mentions as Json[]).some((user) => user.id === botId);
  if (author.id === botId || mentioned) return message;
  return { ...message, content: '', embeds: [], attachments: [], components: [] };
}

export async function startDiscordFake(options: DiscordFakeOptions): Promise<DiscordFake> {
  const bot: FakeDiscordUser = options.bot ?? {
    id: '900000000000000001',
    username: 'claw-test-bot',
    bot: true,
  };
  const guild = options.guild ?? {
    id: '910000000000000001',
    name: 'Claw test guild',
    channelId: '920000000000000001',
    threadId: '930000000000000001',
  };
  const heartbeatIntervalMs = options.heartbeatIntervalMs ?? 41_250;
  const calls: RecordedCall[] = [];
  const faults = new Map<string, InjectedFault[]>();
  const faultCounts = new Map<string, number>();
  const gateway: GatewayEvent[] = [];
  const sessions = new Map<string, Session>();
  const users = new Map<string, FakeDiscordUser>([[bot.id, bot]]);
  const sockets = new Set<WebSocket>();
  const startedAt = new Date().toISOString();

  const channelJson = (id: string): Json | undefined => {
    if (id === guild.channelId) {
      return {
        id,
        type: 0,
        guild_id: guild.id,
        name: 'general',
        position: 0,
        permission_overwrites: [],
        parent_id: null,
        nsfw: false,
        topic: null,
        rate_limit_per_user: 0,
        last_message_id: null,
      };
    }
    if (id === guild.threadId) {
      return {
        id,
        type: 11,
        guild_id: guild.id,
        parent_id: guild.channelId,
        owner_id: bot.id,
        name: 'a thread',
        message_count: 0,
        member_count: 1,
        rate_limit_per_user: 0,
        thread_metadata: {
          archived: false,
          auto_archive_duration: 1440,
          archive_timestamp: startedAt,
          locked: false,
        },
      };
    }
    return undefined;
  };

  const guildCreate = (): Json => ({
    id: guild.id,
    name: guild.name,
    icon: null,
    splash: null,
    discovery_splash: null,
    owner_id: '999999999999999999',
    afk_channel_id: null,
    afk_timeout: 300,
    verification_level: 0,
    default_message_notifications: 0,
    explicit_content_filter: 0,
    roles: [
      {
        id: guild.id,
        name: '@everyone',
        color: 0,
        hoist: false,
        position: 0,
        permissions: '1071698660929',
        managed: false,
        mentionable: false,
        flags: 0,
      },
    ],
    emojis: [],
    stickers: [],
    features: [],
    mfa_level: 0,
    system_channel_id: null,
    system_channel_flags: 0,
    rules_channel_id: null,
    vanity_url_code: null,
    description: null,
    banner: null,
    premium_tier: 0,
    preferred_locale: 'en-US',
    public_updates_channel_id: null,
    nsfw_level: 0,
    premium_progress_bar_enabled: false,
    joined_at: startedAt,
    large: false,
    unavailable: false,
    member_count: 2,
    voice_states: [],
    members: [{ user: userJson(bot), roles: [], joined_at: startedAt, deaf: false, mute: false, flags: 0 }],
    channels: [channelJson(guild.channelId)],
    threads: options.announceThread === false ? [] : [channelJson(guild.threadId)],
    presences: [],
    stage_instances: [],
    guild_scheduled_events: [],
    soundboard_sounds: [],
  });

  const messageJson = (
    channelId: string,
    author: FakeDiscordUser,
    content: string,
    extra: {
      replyTo?: { messageId: string; author: FakeDiscordUser };
      webhookId?: string;
      type?: number;
    } = {},
  ): Json => {
    const channel = channelJson(channelId);
    const mentions = [...content.matchAll(/<@!?(\d+)>/g)]
      .map((match) => users.get(match[1] ?? ''))
      .filter((user): user is FakeDiscordUser => user !== undefined);
    // a reply notifies its author unless told not to: Discord lists them among the mentions
    if (extra.replyTo && !mentions.some((user) => user.id === extra.replyTo?.author.id)) {
      mentions.push(extra.replyTo.author);
    }
    return {
      id: snowflake(),
      type: extra.type ?? (extra.replyTo ? 19 : 0),
      channel_id: channelId,
      channel_type: channel ? channel.type : 1,
      ...(channel ? { guild_id: guild.id } : {}),
      author: userJson(author),
      ...(channel ? { member: { roles: [], joined_at: startedAt, deaf: false, mute: false, flags: 0 } } : {}),
      content,
      timestamp: new Date().toISOString(),
      edited_timestamp: null,
      tts: false,
      mention_everyone: false,
      mentions: mentions.map(userJson),
      mention_roles: [],
      attachments: [],
      embeds: [],
      pinned: false,
      flags: 0,
      components: [],
      ...(extra.webhookId ? { webhook_id: extra.webhookId } : {}),
      ...(extra.replyTo
        ? {
            message_reference: { type: 0, message_id: extra.replyTo.messageId, channel_id: channelId },
            referenced_message: {
              id: extra.replyTo.messageId,
              type: 0,
              channel_id: channelId,
              author: userJson(extra.replyTo.author),
              content: '…',
              timestamp: new Date().toISOString(),
              edited_timestamp: null,
              tts: false,
              mention_everyone: false,
              mentions: [],
              mention_roles: [],
              attachments: [],
              embeds: [],
              pinned: false,
              flags: 0,
              components: [],
            },
          }
        : {}),
    };
  };

  const dispatch = (session: Session, t: string, d: Json): void => {
    session.seq += 1;
    session.log.push({ seq: session.seq, t, d });
    session.socket?.send(JSON.stringify({ op: 0, t, s: session.seq, d }));
  };

  const dispatchMessage = (message: Json): number => {
    let reached = 0;
    for (const session of sessions.values()) {
      const visible = messageVisible(session, message, bot.id);
      if (!visible) continue;
      dispatch(session, 'MESSAGE_CREATE', visible);
      if (session.socket) reached += 1;
    }
    return reached;
  };

  const record = (call: RecordedCall): RecordedCall => {
    calls.push(call);
    return call;
  };

  const routes: {
    httpMethod: string;
    pattern: RegExp;
    method: string;
    handle: (
      match: RegExpExecArray,
      body: Json | undefined,
      host: string,
    ) => { status: number; body?: Json; message?: Json };
  }[] = [
    {
      httpMethod: 'GET',
      pattern: /^\/gateway\/bot$/,
      method: 'getGatewayBot',
      handle: (_match, _body, host) => ({
        status: 200,
        body: {
          url: `ws://${host}/gateway`,
          shards: 1,
          session_start_limit: { total: 1000, remaining: 999, reset_after: 0, max_concurrency: 1 },
        },
      }),
    },
    {
      httpMethod: 'GET',
      pattern: /^\/users\/@me$/,
      method: 'getCurrentUser',
      handle: () => ({ status: 200, body: userJson(bot) }),
    },
    {
      httpMethod: 'GET',
      pattern: /^\/channels\/(\d+)$/,
      method: 'getChannel',
      handle: (match) => {
        const channel = channelJson(match[1] ?? '');
        return channel
          ? { status: 200, body: channel }
          : { status: 404, body: { message: 'Unknown Channel', code: 10003 } };
      },
    },
    {
      httpMethod: 'POST',
      pattern: /^\/channels\/(\d+)\/messages$/,
      method: 'createMessage',
      handle: (match, body) => {
        const content = typeof body?.content === 'string' ? body.content : '';
        if (content.length === 0) {
          return { status: 400, body: { message: 'Cannot send an empty message', code: 50006 } };
        }
        if ([...content].length > 2000) {
          return {
            status: 400,
            body: {
              message: 'Invalid Form Body',
              code: 50035,
              errors: {
                content: {
                  _errors: [{ code: 'BASE_TYPE_MAX_LENGTH', message: 'Must be 2000 or fewer in length.' }],
                },
              },
            },
          };
        }
        const message = messageJson(match[1] ?? '', bot, content);
        const reference = body?.message_reference as Json | undefined;
        if (reference?.message_id !== undefined) {
          message.type = 19;
          message.message_reference = { type: 0, message_id: reference.message_id, channel_id: match[1] };
        }
        // Discord echoes the bot's own messages on the Gateway
        dispatchMessage(message);
        return { status: 200, body: message, message };
      },
    },
    {
      httpMethod: 'POST',
      pattern: /^\/channels\/(\d+)\/typing$/,
      method: 'triggerTypingIndicator',
      handle: () => ({ status: 204 }),
    },
  ];

  const handleRest = async (request: http.IncomingMessage, response: http.ServerResponse): Promise<void> => {
    const url = new URL(request.url ?? '/', 'http://fake');
    if (url.pathname.startsWith('/_control/')) return await handleControl(request, response, url.pathname);
    const path = url.pathname.replace(/^\/api\/v10/, '');
    if (path === url.pathname) return send(response, 404, { message: '404: Not Found', code: 0 });
    const route = routes.find((r) => r.httpMethod === request.method && r.pattern.test(path));
    let body: Json | undefined;
    try {
      body = await readBody(request);
    } catch {
      return send(response, 400, { message: '400: Bad Request', code: 0 });
    }
    if (!route) {
      record({
        method: 'unknown',
        httpMethod: request.method ?? '',
        path,
        ...(body ? { body } : {}),
        status: 404,
      });
      return send(response, 404, { message: '404: Not Found', code: 0 });
    }
    const call: RecordedCall = {
      method: route.method,
      httpMethod: route.httpMethod,
      path,
      ...(body ? { body } : {}),
      status: 0,
    };
    record(call);
    if (request.headers.authorization !== `Bot ${options.token}`) {
      call.status = 401;
      return send(response, 401, { message: '401: Unauthorized', code: 0 });
    }
    const fault = faults.get(route.method)?.shift();
    if (fault) {
      faultCounts.set(route.method, (faultCounts.get(route.method) ?? 0) + 1);
      if (fault.status === 'drop') {
        request.socket.destroy();
        return;
      }
      call.status = fault.status;
      if (fault.status === 429) {
        const retryAfter = fault.retryAfterSeconds ?? 1;
        return send(
          response,
          429,
          { message: 'You are being rate limited.', retry_after: retryAfter, global: false, code: 0 },
          {
            'retry-after': String(Math.ceil(retryAfter)),
            'x-ratelimit-limit': '5',
            'x-ratelimit-remaining': '0',
            'x-ratelimit-reset-after': retryAfter.toFixed(3),
            'x-ratelimit-bucket': `fake-${route.method}`,
            'x-ratelimit-scope': 'user',
          },
        );
      }
      if (fault.status === 403) return send(response, 403, { message: 'Missing Access', code: 50001 });
      if (fault.status === 404) return send(response, 404, { message: 'Unknown Channel', code: 10003 });
      return send(response, fault.status, { message: `${fault.status}: Internal Server Error`, code: 0 });
    }
    const result = route.handle(
      route.pattern.exec(path) as RegExpExecArray,
      body,
      request.headers.host ?? '127.0.0.1',
    );
    call.status = result.status;
    if (result.message) call.message = result.message;
    send(response, result.status, result.body, {
      'x-ratelimit-limit': '5',
      'x-ratelimit-remaining': '4',
      'x-ratelimit-reset-after': '1.000',
      'x-ratelimit-bucket': `fake-${route.method}`,
    });
  };

  /** The control API, for tests that run the fake as a program (see main.ts). */
  const handleControl = async (
    request: http.IncomingMessage,
    response: http.ServerResponse,
    path: string,
  ): Promise<void> => {
    let body: Json | undefined;
    try {
      body = await readBody(request);
    } catch {
      return send(response, 400, { error: 'the body is not JSON' });
    }
    if (request.method === 'GET' && path === '/_control/calls') return send(response, 200, { calls });
    if (request.method === 'POST' && path === '/_control/messages') {
      const problem = pushedMessageProblem(body);
      if (problem) return send(response, 400, { error: problem });
      return send(response, 200, fake.pushMessage(body as unknown as PushedDiscordMessage));
    }
    if (request.method === 'POST' && path === '/_control/faults') {
      const injected = body?.faults;
      if (typeof body?.method !== 'string' || !Array.isArray(injected)) {
        return send(response, 400, { error: 'want { "method": "...", "faults": [{ "status": 429 }] }' });
      }
      fake.failNext(body.method, ...(injected as InjectedFault[]));
      return send(response, 200, { method: body.method, queued: faults.get(body.method)?.length ?? 0 });
    }
    if (request.method === 'POST' && path === '/_control/drop-connections') {
      fake.dropConnections();
      return send(response, 200, {});
    }
    return send(response, 404, { error: 'no such control endpoint' });
  };

  const server = http.createServer((request, response) => {
    handleRest(request, response).catch(() => {
      if (!response.headersSent) send(response, 500, { message: '500: Internal Server Error', code: 0 });
    });
  });

  const wss = new WebSocketServer({ noServer: true });
  server.on('upgrade', (request: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(request.url ?? '/', 'http://fake');
    if (url.pathname !== '/gateway' && url.pathname !== '/resume') {
      socket.destroy();
      return;
    }
    wss.handleUpgrade(request, socket, head, (ws) =>
      onConnection(ws, request.url ?? '', request.headers.host ?? serverHost()),
    );
  });

  const onConnection = (ws: WebSocket, url: string, host: string): void => {
    sockets.add(ws);
    gateway.push({ kind: 'connect', url });
    let session: Session | undefined;
    const sendOp = (op: number, d: unknown, t: string | null = null, s: number | null = null) =>
      ws.send(JSON.stringify({ op, d, s, t }));
    ws.on('close', (code) => {
      sockets.delete(ws);
      gateway.push({ kind: 'close', seq: code });
      if (session?.socket === ws) session.socket = undefined;
    });
    ws.on('message', (data) => {
      let payload: { op: number; d: unknown };
      try {
        payload = JSON.parse(String(data)) as { op: number; d: unknown };
      } catch {
        ws.close(4002, 'Error while decoding payload.');
        return;
      }
      if (payload.op === 1) {
        gateway.push({ kind: 'heartbeat', seq: payload.d as number | null });
        sendOp(11, null);
        return;
      }
      if (payload.op === 2) {
        const d = payload.d as { token?: string; intents?: number };
        gateway.push({ kind: 'identify', url, ...(d.intents !== undefined ? { intents: d.intents } : {}) });
        if (d.token !== options.token && d.token !== `Bot ${options.token}`) {
          ws.close(4004, 'Authentication failed.');
          return;
        }
        if (typeof d.intents !== 'number') {
          ws.close(4013, 'Invalid intent(s).');
          return;
        }
        session = { id: snowflake(), intents: d.intents, seq: 0, log: [], socket: ws };
        sessions.set(session.id, session);
        dispatch(session, 'READY', {
          v: 10,
          user: { ...userJson(bot), verified: true, mfa_enabled: false, flags: 0 },
          guilds: [{ id: guild.id, unavailable: true }],
          session_id: session.id,
          resume_gateway_url: `ws://${host}/resume`,
          shard: [0, 1],
          application: { id: bot.id, flags: 0 },
          private_channels: [],
          relationships: [],
          presences: [],
          guild_join_requests: [],
          user_settings: {},
        });
        if ((session.intents & gatewayIntents.guilds) !== 0) dispatch(session, 'GUILD_CREATE', guildCreate());
        return;
      }
      if (payload.op === 6) {
        const d = payload.d as { token?: string; session_id?: string; seq?: number | null };
        gateway.push({
          kind: 'resume',
          url,
          ...(d.session_id ? { sessionId: d.session_id } : {}),
          seq: d.seq ?? null,
        });
        const resumed = d.session_id ? sessions.get(d.session_id) : undefined;
        if (d.token !== options.token && d.token !== `Bot ${options.token}`) {
          ws.close(4004, 'Authentication failed.');
          return;
        }
        if (!resumed) {
          sendOp(9, false);
          return;
        }
        session = resumed;
        session.socket = ws;
        for (const event of session.log.filter((entry) => entry.seq > (d.seq ?? 0))) {
          ws.send(JSON.stringify({ op: 0, t: event.t, s: event.seq, d: event.d }));
        }
        dispatch(session, 'RESUMED', {});
        return;
      }
      // presence and voice updates and the rest are accepted and ignored
    });
    sendOp(10, { heartbeat_interval: heartbeatIntervalMs });
  };

  await new Promise<void>((resolve) =>
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve),
  );
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  function serverHost(): string {
    const host = options.host && options.host !== '0.0.0.0' ? options.host : '127.0.0.1';
    return `${host}:${port}`;
  }

  const fake: DiscordFake = {
    apiUrl: `http://127.0.0.1:${port}/api`,
    bot,
    guild,
    pushMessage(message) {
      users.set(message.author.id, message.author);
      const json = messageJson(message.channelId, message.author, message.content, {
        ...(message.replyTo ? { replyTo: message.replyTo } : {}),
        ...(message.webhookId ? { webhookId: message.webhookId } : {}),
        ...(message.type !== undefined ? { type: message.type } : {}),
      });
      const sessionsReached = dispatchMessage(json);
      return { messageId: json.id as string, sessions: sessionsReached };
    },
    get calls() {
      return calls;
    },
    sentMessages: () => calls.filter((call) => call.method === 'createMessage' && call.status === 200),
    failNext(method, ...injected) {
      faults.set(method, [...(faults.get(method) ?? []), ...injected]);
    },
    faultsServed: (method) => faultCounts.get(method) ?? 0,
    gatewayEvents: () => [...gateway],
    readySessions: () => [...sessions.values()].filter((session) => session.socket !== undefined).length,
    dropConnections(closeCode) {
      for (const socket of sockets) {
        if (closeCode === undefined) socket.terminate();
        else socket.close(closeCode, 'Closed by the fake.');
      }
    },
    async close() {
      for (const socket of sockets) socket.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return fake;
}

function isUser(value: unknown): boolean {
  const user = value as Json | undefined;
  return typeof user?.id === 'string' && /^\d+$/.test(user.id) && typeof user.username === 'string';
}

/** What is wrong with a message posted to the control API, if anything. */
function pushedMessageProblem(body: Json | undefined): string | undefined {
  if (typeof body?.channelId !== 'string' || !/^\d+$/.test(body.channelId)) return 'channelId: a snowflake';
  if (!isUser(body.author)) return 'author: { id: a snowflake, username }';
  if (typeof body.content !== 'string') return 'content: the text';
  const replyTo = body.replyTo as Json | undefined;
  if (replyTo !== undefined && (typeof replyTo.messageId !== 'string' || !isUser(replyTo.author))) {
    return 'replyTo: { messageId, author }';
  }
  return undefined;
}
