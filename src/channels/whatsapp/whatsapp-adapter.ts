// The WhatsApp channel on the Cloud API, spoken with Node's fetch (no SDK is kept up; see
// docs/decisions.md). Messages arrive only by webhook: Meta verifies the URL with a GET handshake
// (the verify token), then posts each payload signed with the app secret. A post whose signature
// is missing or wrong gets 401 and nothing of it goes further; a signed one answers 200 only once
// every text message in it is on the bus, else 500 and Meta posts it again. Replies go to
// `/{phone-number-id}/messages` as text, the first part quoting the person's message; the typing
// indicator marks that message read. Graph errors become the kit's DeliveryError
// (whatsapp-graph-error.ts); failures WhatsApp reports later in a status callback (the 24-hour
// window closed) are only logged, since resending cannot help.
import http from 'node:http';
import type { ChannelChat, ChannelReply } from '../../api/index.ts';
import {
  DeliveryError,
  deliveryErrorCodes,
  type ChannelAdapter,
  type ReceivedMessage,
  type ReplyPart,
} from '../kit/index.ts';
import { buildGraphDeliveryError, redactSecrets } from './whatsapp-graph-error.ts';
import { buildReceivedMessages } from './whatsapp-message.ts';
import { isValidWebhookSignature } from './whatsapp-signature.ts';
import { buildDeliveryFailures } from './whatsapp-status.ts';
import { answerVerification } from './whatsapp-verification.ts';

export const defaultWhatsAppApiUrl = 'https://graph.facebook.com/v26.0';

export interface WhatsAppAdapterOptions {
  accessToken: string;
  phoneNumberId: string;
  /** The token typed into the app's webhook settings, which Meta's verification GET carries. */
  verifyToken: string;
  /** The app secret, which signs every webhook post. */
  appSecret: string;
  /** The Graph API base URL with its version (default https://graph.facebook.com/v26.0). */
  apiUrl?: string;
  port: number;
  host?: string;
  /** The largest webhook body taken (default 3 MiB, the most Meta posts; most are a few KiB). */
  maxBodyBytes?: number;
  /** How long one Graph API call may take (default 30 s). */
  requestTimeoutMs?: number;
  /** The indicator shows for 25 s: it is renewed at most this often per message (default 20 s). */
  typingRenewMs?: number;
  onError?: (error: unknown, what: string) => void;
}

class BodyTooLarge extends Error {}

async function readBody(request: http.IncomingMessage, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new BodyTooLarge(`body over ${limit} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

export class WhatsAppAdapter implements ChannelAdapter {
  private readonly options: WhatsAppAdapterOptions;
  private readonly apiUrl: string;
  private readonly inFlight = new Set<Promise<void>>();
  /** When the typing indicator was last shown for a message. */
  private readonly typingShown = new Map<string, number>();
  private server: http.Server | undefined;

  constructor(options: WhatsAppAdapterOptions) {
    this.options = options;
    this.apiUrl = (options.apiUrl ?? defaultWhatsAppApiUrl).replace(/\/+$/, '');
  }

  async start(onMessage: (message: ReceivedMessage) => Promise<void>): Promise<{ stopped: Promise<void> }> {
    const server = http.createServer((request, response) => {
      const handling = this.handle(request, response, onMessage);
      this.inFlight.add(handling);
      void handling.finally(() => this.inFlight.delete(handling));
    });
    this.server = server;
    const stopped = new Promise<void>((resolve) => server.once('close', resolve));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.port, this.options.host ?? '0.0.0.0', () => resolve());
    });
    return { stopped };
  }

  private async handle(
    request: http.IncomingMessage,
    response: http.ServerResponse,
    onMessage: (message: ReceivedMessage) => Promise<void>,
  ): Promise<void> {
    const answer = (status: number, body = '') =>
      response.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' }).end(body);
    try {
      const url = new URL(request.url ?? '/', 'http://webhook');
      if (request.method === 'GET') {
        const verification = answerVerification(url.searchParams, this.options.verifyToken);
        answer(verification.status, verification.body);
        return;
      }
      if (request.method !== 'POST') {
        answer(405);
        return;
      }
      let body: Buffer;
      try {
        body = await readBody(request, this.options.maxBodyBytes ?? 3 * 1024 * 1024);
      } catch (error) {
        if (error instanceof BodyTooLarge) {
          answer(413);
          request.destroy();
          return;
        }
        throw error;
      }
      if (!isValidWebhookSignature(body, request.headers['x-hub-signature-256'], this.options.appSecret)) {
        answer(401, 'invalid signature');
        return;
      }
      let payload: unknown;
      try {
        payload = JSON.parse(body.toString('utf8'));
      } catch {
        answer(400, 'not JSON');
        return;
      }
      // one at a time, in Meta's order; the first that cannot reach the bus fails the whole post,
      // and the ones before it are dropped as duplicates when Meta posts it again
      for (const message of buildReceivedMessages(payload, this.options.phoneNumberId)) {
        await onMessage(message);
      }
      for (const failure of buildDeliveryFailures(payload, this.options.phoneNumberId)) {
        this.options.onError?.(
          new Error(
            `WhatsApp did not deliver message ${failure.wamid} to ${failure.recipient ?? 'its recipient'}: ${failure.reasons.join('; ') || 'no reason given'}`,
          ),
          'a message WhatsApp reported failed',
        );
      }
      answer(200);
    } catch (error) {
      this.options.onError?.(error, 'handling a WhatsApp webhook post');
      if (!response.headersSent) answer(500);
      else response.end();
    }
  }

  /** The port the webhook listens on, e.g. after asking for port 0. */
  webhookPort(): number | undefined {
    const address = this.server?.address();
    return typeof address === 'object' && address ? address.port : undefined;
  }

  private async post(body: Record<string, unknown>, what: string): Promise<void> {
    const secrets = [this.options.accessToken];
    let response: Response;
    let text: string;
    try {
      response = await fetch(`${this.apiUrl}/${encodeURIComponent(this.options.phoneNumberId)}/messages`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${this.options.accessToken}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(this.options.requestTimeoutMs ?? 30_000),
      });
      text = await response.text();
    } catch (error) {
      throw new DeliveryError(
        deliveryErrorCodes.retryable,
        redactSecrets(`WhatsApp unreachable for ${what}: ${(error as Error).message}`, secrets),
      );
    }
    if (response.ok) return;
    throw buildGraphDeliveryError({
      status: response.status,
      body: text,
      retryAfter: response.headers.get('retry-after'),
      what,
      secrets,
    });
  }

  private async sendText(to: string, text: string, what: string, quote?: string): Promise<void> {
    await this.post(
      {
        messaging_product: 'whatsapp',
        recipient_type: 'individual',
        to,
        type: 'text',
        text: { body: text, preview_url: false },
        ...(quote !== undefined ? { context: { message_id: quote } } : {}),
      },
      what,
    );
  }

  async sendReply(reply: ChannelReply, part: ReplyPart, index: number): Promise<void> {
    await this.sendText(
      reply.chat.chatId,
      part.text,
      'a reply',
      index === 0 ? reply.replyToMessageId : undefined,
    );
  }

  async sendNotice(chat: ChannelChat, text: string, replyToMessageId?: string): Promise<void> {
    await this.sendText(chat.chatId, text, 'a notice', replyToMessageId);
  }

  /** Marks the person's message read and shows the typing indicator under it (it lasts 25 s). */
  async sendTyping(_chat: ChannelChat, messageId?: string): Promise<void> {
    // the Cloud API has no indicator for a chat, only for a message the person sent
    if (messageId === undefined) return;
    const now = Date.now();
    const renewMs = this.options.typingRenewMs ?? 20_000;
    for (const [id, at] of this.typingShown) if (now - at >= renewMs) this.typingShown.delete(id);
    if (this.typingShown.has(messageId)) return;
    this.typingShown.set(messageId, now);
    await this.post(
      {
        messaging_product: 'whatsapp',
        status: 'read',
        message_id: messageId,
        typing_indicator: { type: 'text' },
      },
      'a typing indicator',
    );
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server?.listening) return;
    // no new posts; the ones being handled answer first (Meta posts the others again)
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    await Promise.allSettled([...this.inFlight]);
    server.closeAllConnections();
    await closed;
  }
}
