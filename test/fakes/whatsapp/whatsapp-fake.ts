// A local WhatsApp Cloud API for tests, speaking its wire protocol so the channel talks to it with
// only its API URL changed: `POST /<version>/<phone-number-id>/messages` with a bearer access token
// (a wrong token gets Graph's 401 code 190, another phone number id code 100), text messages and
// read receipts with the typing indicator, answered as Graph does and failed with Graph error bodies
// `{ error: { message, type, code, error_subcode, error_data, fbtrace_id } }`. It records every
// call the bot made, fails calls on request (429 with Retry-After, 5xx, a Graph code), and like
// Meta it accepts a text outside the 24-hour window and reports its failure (131047) only in a
// status callback. Meta's side of the webhook is the WebhookSender: what people send is posted,
// signed, to the webhook URL. The same server answers the control API for tests that cannot call
// these methods in-process (main.ts).
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { newWamid, WebhookSender, type Forgery, type PersonMessage } from './webhook-sender.ts';

type Json = Record<string, unknown>;

/** One call the bot made that the fake accepted. */
export interface SentCall {
  method: 'messages';
  body: Json;
  /** The wamid the fake gave a sent message. */
  wamid?: string;
}

export interface InjectedFault {
  status: 400 | 401 | 429 | 500 | 503;
  /** Graph's error code (default: 130429 for 429, 131000 for 5xx, 100 for 400, 190 for 401). */
  code?: number;
  /** Sent as the Retry-After header. */
  retryAfterSeconds?: number;
}

export interface WhatsAppFakeOptions {
  accessToken: string;
  phoneNumberId: string;
  appSecret: string;
  verifyToken?: string;
  /** Where the webhook posts go (can be set later with setWebhookUrl). */
  webhookUrl?: string;
  port?: number;
  host?: string;
  /** The pause between posts of a payload the webhook did not take (default 200 ms). */
  webhookRetryDelayMs?: number;
}

export interface WhatsAppFake {
  /** The Graph API base URL with its version, for K8SCLAW_WHATSAPP_API_URL. */
  apiUrl: string;
  /** Where the control API and the Graph API listen. */
  url: string;
  setWebhookUrl(url: string): void;
  /**
   * A person writes to the business number: the signed webhook post (or a forged one), answering
   * with the wamid and the webhook's status (a genuine post not taken is posted again).
   */
  sendMessage(
    message: PersonMessage,
    options?: { forge?: Forgery },
  ): Promise<{ wamid: string; status: number }>;
  /** Meta posting a payload it already delivered once more. */
  redeliver(wamid: string): Promise<number>;
  /** Meta's verification GET against the webhook. */
  verifyWebhook(verifyToken?: string): Promise<{ status: number; ok: boolean }>;
  /** Every webhook post made, with the status the webhook answered. */
  webhookDeliveries(): { wamid: string; status: number; forged: boolean }[];
  readonly calls: readonly SentCall[];
  /** The text messages the bot sent, in order. */
  sentMessages(): SentCall[];
  /** The typing indicators (read receipts with `typing_indicator`) the bot sent. */
  typingIndicators(): SentCall[];
  failNext(method: 'messages', ...faults: InjectedFault[]): void;
  faultsServed(method: 'messages'): number;
  close(): Promise<void>;
}

const dayMs = 24 * 60 * 60 * 1000;

function fbtraceId(): string {
  return randomBytes(9).toString('base64url');
}

function graphError(
  response: http.ServerResponse,
  status: number,
  error: { message: string; type?: string; code: number; subcode?: number; details?: string },
  headers: Record<string, string> = {},
): void {
  response.writeHead(status, { 'content-type': 'application/json', ...headers }).end(
    JSON.stringify({
      error: {
        message: error.message,
        type: error.type ?? 'OAuthException',
        code: error.code,
        ...(error.subcode !== undefined ? { error_subcode: error.subcode } : {}),
        ...(error.details !== undefined
          ? { error_data: { messaging_product: 'whatsapp', details: error.details } }
          : {}),
        fbtrace_id: fbtraceId(),
      },
    }),
  );
}

function sendJson(response: http.ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

function faultError(fault: InjectedFault): { message: string; code: number; details?: string } {
  const code = fault.code ?? { 400: 100, 401: 190, 429: 130429, 500: 131000, 503: 131016 }[fault.status];
  const known: Record<number, { message: string; details?: string }> = {
    4: { message: '(#4) Application request limit reached' },
    100: { message: '(#100) Invalid parameter' },
    190: { message: 'Error validating access token: Session has expired.' },
    130429: {
      message: '(#130429) Rate limit hit',
      details: 'Cloud API message throughput has been reached.',
    },
    131000: { message: '(#131000) Something went wrong', details: 'Something went wrong' },
    131016: { message: '(#131016) Service unavailable', details: 'A service is temporarily unavailable.' },
    131026: { message: '(#131026) Message undeliverable', details: 'Message Undeliverable.' },
    131047: {
      message: '(#131047) Re-engagement message',
      details:
        'Message failed to send because more than 24 hours have passed since the customer last replied to this number.',
    },
    131056: {
      message: '(#131056) (Business Account, Consumer Account) pair rate limit hit',
      details: 'Too many messages sent from this phone number to the same phone number in a short period.',
    },
  };
  return { code, ...(known[code] ?? { message: `(#${code}) Error` }) };
}

async function readJson(request: http.IncomingMessage): Promise<Json> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.length === 0) return {};
  const parsed = JSON.parse(text) as unknown;
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new Error('not an object');
  return parsed as Json;
}

export async function startWhatsAppFake(options: WhatsAppFakeOptions): Promise<WhatsAppFake> {
  const calls: SentCall[] = [];
  const faults: InjectedFault[] = [];
  let faultsServed = 0;
  /** When each person last wrote: the business may write back for 24 hours. */
  const lastInbound = new Map<string, number>();
  const inboundWamids = new Set<string>();
  const statusCallbacks = new Set<Promise<unknown>>();
  const sender = new WebhookSender({
    appSecret: options.appSecret,
    phoneNumberId: options.phoneNumberId,
    ...(options.webhookUrl ? { url: options.webhookUrl } : {}),
    ...(options.webhookRetryDelayMs !== undefined ? { retryDelayMs: options.webhookRetryDelayMs } : {}),
  });

  /** Meta's status callback for a message the business sent, posted to the webhook. */
  function reportStatus(
    wamid: string,
    recipient: string,
    failure?: { code: number; message: string; details?: string },
  ) {
    if (!sender.url) return;
    const payload = {
      object: 'whatsapp_business_account',
      entry: [
        {
          id: '102290129340398',
          changes: [
            {
              field: 'messages',
              value: {
                messaging_product: 'whatsapp',
                metadata: { display_phone_number: '15550783881', phone_number_id: options.phoneNumberId },
                statuses: [
                  {
                    id: wamid,
                    status: failure ? 'failed' : 'sent',
                    timestamp: String(Math.floor(Date.now() / 1000)),
                    recipient_id: recipient,
                    ...(failure
                      ? {
                          errors: [
                            {
                              code: failure.code,
                              // status callbacks carry the title without Graph's "(#code) " prefix
                              title: failure.message.replace(/^\(#\d+\) /, ''),
                              message: failure.message.replace(/^\(#\d+\) /, ''),
                              error_data: { details: failure.details ?? '' },
                            },
                          ],
                        }
                      : {}),
                  },
                ],
              },
            },
          ],
        },
      ],
    };
    const posting = sender.deliver(payload, wamid).catch(() => undefined);
    statusCallbacks.add(posting);
    void posting.finally(() => statusCallbacks.delete(posting));
  }

  function handleMessages(
    request: http.IncomingMessage,
    response: http.ServerResponse,
    phoneNumberId: string,
  ) {
    const authorization = request.headers.authorization ?? '';
    if (authorization !== `Bearer ${options.accessToken}`) {
      request.resume();
      return graphError(response, 401, {
        message: authorization.startsWith('Bearer ')
          ? 'Invalid OAuth access token - Cannot parse access token'
          : 'An active access token must be used to query information about the current user.',
        code: authorization.startsWith('Bearer ') ? 190 : 2500,
      });
    }
    if (phoneNumberId !== options.phoneNumberId) {
      request.resume();
      return graphError(response, 400, {
        message: `Unsupported post request. Object with ID '${phoneNumberId}' does not exist, cannot be loaded due to missing permissions, or does not support this operation.`,
        type: 'GraphMethodException',
        code: 100,
        subcode: 33,
      });
    }
    const fault = faults.shift();
    if (fault) {
      faultsServed += 1;
      request.resume();
      return graphError(
        response,
        fault.status,
        faultError(fault),
        fault.retryAfterSeconds !== undefined ? { 'retry-after': String(fault.retryAfterSeconds) } : {},
      );
    }
    readJson(request).then(
      (body) => {
        const invalid = (message: string) =>
          graphError(response, 400, { message: `(#100) ${message}`, code: 100 });
        if (body.messaging_product !== 'whatsapp')
          return invalid('The parameter messaging_product is required.');
        if (body.status === 'read') {
          if (typeof body.message_id !== 'string' || !inboundWamids.has(body.message_id)) {
            return invalid('Invalid parameter');
          }
          calls.push({ method: 'messages', body });
          return sendJson(response, 200, { success: true });
        }
        const to = typeof body.to === 'string' ? body.to.replace(/^\+/, '') : '';
        if (!/^\d{6,20}$/.test(to)) return invalid('Invalid parameter');
        if (body.type !== 'text') return invalid('Unsupported message type');
        const text = body.text as { body?: unknown } | undefined;
        if (typeof text?.body !== 'string' || text.body.length === 0) {
          return invalid("The parameter text['body'] is required.");
        }
        if (text.body.length > 4096)
          return invalid("Param text['body'] must be at most 4096 characters long.");
        const wamid = newWamid();
        calls.push({ method: 'messages', body, wamid });
        sendJson(response, 200, {
          messaging_product: 'whatsapp',
          contacts: [{ input: body.to, wa_id: to }],
          messages: [{ id: wamid }],
        });
        const open = Date.now() - (lastInbound.get(to) ?? -Infinity) < dayMs;
        reportStatus(wamid, to, open ? undefined : faultError({ status: 400, code: 131047 }));
      },
      () => graphError(response, 400, { message: '(#100) Invalid JSON', code: 100 }),
    );
  }

  async function sendMessage(message: PersonMessage, sendOptions: { forge?: Forgery } = {}) {
    const wamid = newWamid();
    if (!sendOptions.forge) {
      lastInbound.set(message.from, Date.now());
      inboundWamids.add(wamid);
    }
    const status = await sender.deliver(sender.buildPayload(message, wamid), wamid, sendOptions.forge);
    return { wamid, status };
  }

  async function control(request: http.IncomingMessage, response: http.ServerResponse, url: URL) {
    const route = `${request.method} ${url.pathname}`;
    if (route === 'GET /_control/calls') return sendJson(response, 200, { calls });
    const body = await readJson(request);
    if (route === 'POST /_control/messages') {
      const forge = url.searchParams.get('forge');
      if (forge !== null && forge !== 'signature' && forge !== 'missing-signature') {
        return sendJson(response, 400, { error: 'forge is signature or missing-signature' });
      }
      if (typeof body.from !== 'string' || typeof body.text !== 'string') {
        return sendJson(response, 400, { error: 'from and text are required' });
      }
      const sent = await sendMessage(
        { from: body.from, text: body.text, ...(typeof body.name === 'string' ? { name: body.name } : {}) },
        forge ? { forge } : {},
      );
      return sendJson(response, 200, sent);
    }
    if (route === 'POST /_control/redeliver' && typeof body.wamid === 'string') {
      return sendJson(response, 200, { status: await sender.redeliver(body.wamid) });
    }
    if (route === 'POST /_control/verify') {
      const token = typeof body.verifyToken === 'string' ? body.verifyToken : options.verifyToken;
      if (token === undefined) return sendJson(response, 400, { error: 'no verify token is configured' });
      return sendJson(response, 200, await sender.verify(token));
    }
    if (route === 'POST /_control/faults' && body.method === 'messages' && Array.isArray(body.faults)) {
      faults.push(...(body.faults as InjectedFault[]));
      return sendJson(response, 200, { queued: faults.length });
    }
    return sendJson(response, 404, { error: `no control route ${route}` });
  }

  const server = http.createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://fake');
    if (url.pathname.startsWith('/_control/')) {
      control(request, response, url).catch((error: unknown) => {
        if (!response.headersSent) sendJson(response, 500, { error: String(error) });
      });
      return;
    }
    const match = /^\/v\d+\.\d+\/([^/]+)\/messages$/.exec(url.pathname);
    if (request.method === 'POST' && match?.[1]) return handleMessages(request, response, match[1]);
    request.resume();
    graphError(response, 400, {
      message: 'Unknown path components',
      code: 2500,
    });
  });
  await new Promise<void>((resolve) =>
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve),
  );
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const url = `http://127.0.0.1:${port}`;

  return {
    apiUrl: `${url}/v26.0`,
    url,
    setWebhookUrl: (webhookUrl) => void (sender.url = webhookUrl),
    sendMessage,
    redeliver: (wamid) => sender.redeliver(wamid),
    verifyWebhook: (verifyToken) => {
      const token = verifyToken ?? options.verifyToken;
      if (token === undefined) throw new Error('no verify token is configured');
      return sender.verify(token);
    },
    webhookDeliveries: () => sender.history(),
    get calls() {
      return calls;
    },
    sentMessages: () => calls.filter((call) => call.body.type === 'text'),
    typingIndicators: () => calls.filter((call) => call.body.status === 'read'),
    failNext: (_method, ...more) => void faults.push(...more),
    faultsServed: () => faultsServed,
    async close() {
      await sender.close();
      await Promise.allSettled([...statusCallbacks]);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
