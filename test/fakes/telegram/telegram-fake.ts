// A local Telegram Bot API server for tests, speaking its wire protocol so an unmodified SDK talks
// to it with only its API root changed: `/bot<token>/<method>` with JSON, form or query parameters,
// answers `{ ok, result }` or `{ ok: false, error_code, description, parameters }`. It holds the
// updates people "send" (pushMessage) and hands them out through getUpdates with Telegram's offset
// semantics (an update is confirmed, and gone, once getUpdates asks for a higher offset; long
// polling waits up to `timeout` seconds; a second poller gets 409), records everything the bot
// sends (sendMessage, sendChatAction), checks MarkdownV2 as Telegram would, and fails calls on
// request: a 429 with `retry_after` or a 500. With a webhook set it posts each update to the
// webhook's URL instead, with the secret token header, one at a time, again until answered 2xx.
import http from 'node:http';
import { handleControlRequest, type ControlTarget } from '../control-api.ts';
import { checkMarkdownV2 } from './markdown-v2.ts';

type Json = Record<string, unknown>;

export interface FakeUser {
  id: number;
  username?: string;
  firstName?: string;
  isBot?: boolean;
}

export interface PushedMessage {
  chatId: number;
  chatType?: 'private' | 'group' | 'supergroup';
  from: FakeUser;
  text: string;
  /** A forum topic: the message is a topic message in that thread. */
  threadId?: number;
  /** The message (id) this one replies to, as sent by `replyToFrom`. */
  replyTo?: { messageId: number; from: FakeUser };
}

/** One call the bot made that the fake accepted. */
export interface SentCall {
  method: string;
  params: Json;
  /** The message the fake answered with (sendMessage). */
  message?: Json;
  /** When the fake accepted the call: `performance.now()` of the fake's process (for benchmarks). */
  receivedAt: number;
}

export interface InjectedFault {
  /** 403: the person blocked the bot, which Telegram never lets it write to again. */
  status: 403 | 429 | 500 | 502 | 503;
  retryAfterSeconds?: number;
}

export interface TelegramFakeOptions {
  token: string;
  bot?: { id: number; username: string; firstName?: string };
  port?: number;
  /** The address to listen on (default loopback; 0.0.0.0 in a pod). */
  host?: string;
}

export interface TelegramFake {
  /** The API root to give the SDK (grammY's `client.apiRoot`). */
  apiRoot: string;
  /** Queues a message a person sent; returns its update id and message id. */
  pushMessage(message: PushedMessage): { updateId: number; messageId: number };
  /** Every call the bot made that succeeded, in order. */
  readonly calls: readonly SentCall[];
  /** The messages the bot sent (sendMessage), in order. */
  sentMessages(): SentCall[];
  /** The next calls of `method` fail with these faults, one each, in order. */
  failNext(method: string, ...faults: InjectedFault[]): void;
  /** How many calls of `method` were answered with an injected fault. */
  faultsServed(method: string): number;
  /** The highest offset a getUpdates call has confirmed. */
  confirmedOffset(): number;
  webhook(): { url: string; secretToken?: string } | undefined;
  /** Every webhook post the fake made: the update and the status the bot answered (0: unreachable). */
  webhookDeliveries(): { updateId: number; status: number }[];
  close(): Promise<void>;
}

class FakeState {
  readonly calls: SentCall[] = [];
  readonly updates: Json[] = [];
  readonly faults = new Map<string, InjectedFault[]>();
  readonly faultCounts = new Map<string, number>();
  nextUpdateId = 100_000;
  nextMessageId = new Map<number, number>();
  confirmed = 0;
  webhook: { url: string; secretToken?: string } | undefined;
  /** The long poll currently waiting, ended with [] (or 409) when another one arrives. */
  waiting: { wake: () => void; conflict: () => void } | undefined;
  wakers = new Set<() => void>();
  readonly webhookQueue: Json[] = [];
  readonly webhookDeliveries: { updateId: number; status: number }[] = [];
  delivering = false;
  closed = false;

  messageId(chatId: number): number {
    const next = (this.nextMessageId.get(chatId) ?? 0) + 1;
    this.nextMessageId.set(chatId, next);
    return next;
  }

  notify(): void {
    for (const wake of this.wakers) wake();
  }
}

function userJson(user: FakeUser): Json {
  return {
    id: user.id,
    is_bot: user.isBot ?? false,
    first_name: user.firstName ?? user.username ?? `user${user.id}`,
    ...(user.username ? { username: user.username } : {}),
  };
}

function chatJson(chatId: number, type: string): Json {
  return type === 'private' ? { id: chatId, type, first_name: 'chat' } : { id: chatId, type, title: 'group' };
}

function mentionEntities(text: string): Json[] {
  return [...text.matchAll(/@[A-Za-z0-9_]{3,}/g)].map((match) => ({
    type: 'mention',
    offset: match.index,
    length: match[0].length,
  }));
}

async function readParams(request: http.IncomingMessage): Promise<Json> {
  const url = new URL(request.url ?? '/', 'http://fake');
  const params: Json = Object.fromEntries(url.searchParams);
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const body = Buffer.concat(chunks).toString('utf8');
  const type = request.headers['content-type'] ?? '';
  if (body.length === 0) return params;
  if (type.includes('application/json')) return { ...params, ...(JSON.parse(body) as Json) };
  if (type.includes('application/x-www-form-urlencoded')) {
    for (const [key, value] of new URLSearchParams(body)) {
      try {
        params[key] = JSON.parse(value) as unknown;
      } catch {
        params[key] = value;
      }
    }
    return params;
  }
  throw new Error(`unsupported content type ${type}`);
}

function send(response: http.ServerResponse, status: number, body: Json): void {
  response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

function fail(response: http.ServerResponse, status: number, description: string, parameters?: Json): void {
  send(response, status, {
    ok: false,
    error_code: status,
    description,
    ...(parameters ? { parameters } : {}),
  });
}

const webhookRetryMs = 200;
/** Posts a webhook gives up on, as Telegram eventually does. */
const webhookMaxAttempts = 100;

/** Posts the queued updates to the webhook in order, each until the bot answers 2xx. */
async function deliverToWebhook(state: FakeState): Promise<void> {
  if (state.delivering) return;
  state.delivering = true;
  try {
    for (let attempt = 1; state.webhook && state.webhookQueue.length > 0 && !state.closed;) {
      const update = state.webhookQueue[0] as Json;
      const { url, secretToken } = state.webhook;
      let status = 0;
      try {
        const response = await fetch(url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            ...(secretToken ? { 'x-telegram-bot-api-secret-token': secretToken } : {}),
          },
          body: JSON.stringify(update),
          signal: AbortSignal.timeout(60_000),
        });
        status = response.status;
        await response.arrayBuffer();
      } catch {
        status = 0;
      }
      state.webhookDeliveries.push({ updateId: update.update_id as number, status });
      if ((status >= 200 && status < 300) || attempt >= webhookMaxAttempts) {
        state.webhookQueue.shift();
        state.confirmed = Math.max(state.confirmed, (update.update_id as number) + 1);
        attempt = 1;
      } else {
        attempt += 1;
        await new Promise((resolve) => setTimeout(resolve, webhookRetryMs));
      }
    }
  } finally {
    state.delivering = false;
  }
}

export async function startTelegramFake(options: TelegramFakeOptions): Promise<TelegramFake> {
  const state = new FakeState();
  const bot = options.bot ?? { id: 7_000_001, username: 'claw_test_bot', firstName: 'Claw' };
  const botUser: FakeUser = {
    id: bot.id,
    username: bot.username,
    firstName: bot.firstName ?? 'Claw',
    isBot: true,
  };

  const methods: Record<string, (params: Json, response: http.ServerResponse) => Promise<void> | void> = {
    getMe: (_params, response) =>
      send(response, 200, {
        ok: true,
        result: {
          ...userJson(botUser),
          can_join_groups: true,
          can_read_all_group_messages: false,
          supports_inline_queries: false,
        },
      }),
    getUpdates: async (params, response) => {
      if (state.webhook) {
        fail(
          response,
          409,
          "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first",
        );
        return;
      }
      const offset = Number(params.offset ?? 0);
      const limit = Math.min(Math.max(Number(params.limit ?? 100), 1), 100);
      const timeout = Math.min(Number(params.timeout ?? 0), 50);
      if (offset > 0) state.confirmed = Math.max(state.confirmed, offset);
      const pending = () =>
        state.updates.filter((update) => (update.update_id as number) >= state.confirmed).slice(0, limit);
      // a newer poll ends the waiting one with 409, as Telegram does
      state.waiting?.conflict();
      let result = pending();
      if (result.length === 0 && timeout > 0) {
        let conflicted = false;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(done, timeout * 1000);
          const waiter = { wake: done, conflict: () => ((conflicted = true), done()) };
          state.waiting = waiter;
          state.wakers.add(done);
          response.once('close', done);
          function done(): void {
            clearTimeout(timer);
            state.wakers.delete(done);
            if (state.waiting === waiter) state.waiting = undefined;
            resolve();
          }
        });
        if (conflicted) {
          fail(
            response,
            409,
            'Conflict: terminated by other getUpdates request; make sure that only one bot instance is running',
          );
          return;
        }
        result = pending();
      }
      if (!response.writableEnded) send(response, 200, { ok: true, result });
    },
    sendMessage: (params, response) => {
      const chatId = Number(params.chat_id);
      const text = String(params.text ?? '');
      if (!Number.isFinite(chatId)) return fail(response, 400, 'Bad Request: chat not found');
      if (text.length === 0) return fail(response, 400, 'Bad Request: message text is empty');
      if (params.parse_mode === 'MarkdownV2') {
        const problem = checkMarkdownV2(text);
        if (problem) return fail(response, 400, problem);
      }
      const message: Json = {
        message_id: state.messageId(chatId),
        date: Math.floor(Date.now() / 1000),
        chat: chatJson(chatId, chatId < 0 ? 'supergroup' : 'private'),
        from: userJson(botUser),
        text,
        ...(params.message_thread_id !== undefined
          ? { message_thread_id: Number(params.message_thread_id) }
          : {}),
      };
      state.calls.push({ method: 'sendMessage', params, message, receivedAt: performance.now() });
      send(response, 200, { ok: true, result: message });
    },
    sendChatAction: (params, response) => {
      state.calls.push({ method: 'sendChatAction', params, receivedAt: performance.now() });
      send(response, 200, { ok: true, result: true });
    },
    setWebhook: (params, response) => {
      state.webhook = {
        url: String(params.url),
        ...(params.secret_token !== undefined ? { secretToken: String(params.secret_token) } : {}),
      };
      state.calls.push({ method: 'setWebhook', params, receivedAt: performance.now() });
      state.waiting?.conflict();
      // updates not confirmed yet go to the webhook now
      const queued = new Set(state.webhookQueue.map((update) => update.update_id));
      for (const update of state.updates) {
        if ((update.update_id as number) >= state.confirmed && !queued.has(update.update_id)) {
          state.webhookQueue.push(update);
        }
      }
      send(response, 200, { ok: true, result: true, description: 'Webhook was set' });
      void deliverToWebhook(state);
    },
    deleteWebhook: (params, response) => {
      state.webhook = undefined;
      if (params.drop_pending_updates === true) state.confirmed = state.nextUpdateId;
      state.calls.push({ method: 'deleteWebhook', params, receivedAt: performance.now() });
      send(response, 200, { ok: true, result: true, description: 'Webhook is already deleted' });
    },
    getWebhookInfo: (_params, response) =>
      send(response, 200, {
        ok: true,
        result: {
          url: state.webhook?.url ?? '',
          has_custom_certificate: false,
          pending_update_count: state.updates.length,
        },
      }),
  };

  // the control API (control-api.ts) drives the same fake over HTTP
  const control: ControlTarget = {
    pushMessage: (body) => {
      const message = body as PushedMessage;
      if (
        typeof message.chatId !== 'number' ||
        typeof message.text !== 'string' ||
        typeof message.from?.id !== 'number'
      ) {
        throw new Error('want { chatId: number, from: { id: number, username? }, text: string }');
      }
      return fake.pushMessage(message);
    },
    calls: () => state.calls,
    failNext: (method, faults) => fake.failNext(method, ...(faults as InjectedFault[])),
  };
  const server = http.createServer((request, response) => {
    if (handleControlRequest(request, response, control)) return;
    const match = /^\/bot([^/]+)\/([A-Za-z]+)$/.exec(new URL(request.url ?? '/', 'http://fake').pathname);
    if (!match) return fail(response, 404, 'Not Found');
    const [, token, method] = match as unknown as [string, string, string];
    if (token !== options.token) return fail(response, 401, 'Unauthorized');
    const handler = methods[method];
    if (!handler) return fail(response, 404, 'Not Found: method not found');
    const fault = state.faults.get(method)?.shift();
    if (fault) {
      state.faultCounts.set(method, (state.faultCounts.get(method) ?? 0) + 1);
      request.resume();
      if (fault.status === 429) {
        const retryAfter = fault.retryAfterSeconds ?? 1;
        return fail(response, 429, `Too Many Requests: retry after ${retryAfter}`, {
          retry_after: retryAfter,
        });
      }
      if (fault.status === 403) return fail(response, 403, 'Forbidden: bot was blocked by the user');
      return fail(response, fault.status, 'Internal Server Error');
    }
    readParams(request)
      .then(
        (params) => handler(params, response),
        () => fail(response, 400, 'Bad Request: invalid request body'),
      )
      .catch(() => {
        if (!response.headersSent) fail(response, 500, 'Internal Server Error');
      });
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, host, resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;

  const fake: TelegramFake = {
    apiRoot: `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`,
    pushMessage(message) {
      const updateId = state.nextUpdateId++;
      const chatType = message.chatType ?? (message.chatId > 0 ? 'private' : 'supergroup');
      const messageId = state.messageId(message.chatId);
      state.updates.push({
        update_id: updateId,
        message: {
          message_id: messageId,
          date: Math.floor(Date.now() / 1000),
          chat: chatJson(message.chatId, chatType),
          from: userJson(message.from),
          text: message.text,
          ...(mentionEntities(message.text).length > 0 ? { entities: mentionEntities(message.text) } : {}),
          ...(message.threadId !== undefined
            ? { message_thread_id: message.threadId, is_topic_message: true }
            : {}),
          ...(message.replyTo
            ? {
                reply_to_message: {
                  message_id: message.replyTo.messageId,
                  date: Math.floor(Date.now() / 1000),
                  chat: chatJson(message.chatId, chatType),
                  from: userJson(message.replyTo.from),
                  text: '…',
                },
              }
            : {}),
        },
      });
      const update = state.updates.at(-1);
      if (state.webhook && update) {
        state.webhookQueue.push(update);
        void deliverToWebhook(state);
      }
      state.notify();
      return { updateId, messageId };
    },
    get calls() {
      return state.calls;
    },
    sentMessages: () => state.calls.filter((call) => call.method === 'sendMessage'),
    failNext(method, ...faults) {
      state.faults.set(method, [...(state.faults.get(method) ?? []), ...faults]);
    },
    faultsServed: (method) => state.faultCounts.get(method) ?? 0,
    confirmedOffset: () => state.confirmed,
    webhook: () => state.webhook,
    webhookDeliveries: () => [...state.webhookDeliveries],
    async close() {
      state.closed = true;
      state.notify();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return fake;
}
