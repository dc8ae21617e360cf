// The Telegram channel on grammY: long polling (getUpdates) by default; each text message from a
// person goes to the kit, and grammY confirms it to Telegram (the next getUpdates offset) only
// after the kit put it on the bus, so a pod killed in between gets it again. In webhook mode
// Telegram posts each update to the channel's HTTP endpoint: requests without the webhook's
// secret token (`X-Telegram-Bot-Api-Secret-Token`) get 401, and an update answers 200 only once it
// is on the bus (a failure answers 500 and Telegram sends it again). Replies are sent with
// MarkdownV2 (falling back to plain text when Telegram cannot parse it) into the same chat and
// forum topic, the first part answering the person's message. Telegram's errors become the kit's
// DeliveryError: 429 with its `retry_after`, 5xx and network errors retryable, the rest refusals.
import http from 'node:http';
import { Bot, GrammyError, HttpError, webhookCallback } from 'grammy';
import type { ChannelChat, ChannelReply } from '../../api/index.ts';
import {
  DeliveryError,
  deliveryErrorCodes,
  type ChannelAdapter,
  type ReceivedMessage,
  type ReplyPart,
} from '../kit/index.ts';
import { buildReceivedMessage, type TelegramBotIdentity } from './telegram-message.ts';

export interface TelegramAdapterOptions {
  token: string;
  /** The Bot API's root URL (default https://api.telegram.org): a local Bot API server or a fake. */
  apiRoot?: string;
  /** Long polling timeout in seconds (default 30). */
  pollTimeoutSeconds?: number;
  onError?: (error: unknown, what: string) => void;
  /** Webhook mode instead of long polling. */
  webhook?: TelegramWebhookOptions;
}

export interface TelegramWebhookOptions {
  /** The public HTTPS URL Telegram posts updates to, routed to this process's port. */
  url: string;
  /** Sent by Telegram with every update; 1–256 of A–Z, a–z, 0–9, `_` and `-`. */
  secretToken: string;
  port: number;
  host?: string;
}

function toDeliveryError(error: unknown, what: string): unknown {
  if (error instanceof GrammyError) {
    const retryable = error.error_code === 429 || error.error_code >= 500;
    return new DeliveryError(
      retryable ? deliveryErrorCodes.retryable : deliveryErrorCodes.rejected,
      `Telegram refused ${what}: ${error.error_code} ${error.description}`,
      {
        cause: error,
        ...(error.parameters.retry_after !== undefined
          ? { retryAfterMs: error.parameters.retry_after * 1000 }
          : {}),
      },
    );
  }
  if (error instanceof HttpError) {
    return new DeliveryError(
      deliveryErrorCodes.retryable,
      `Telegram unreachable for ${what}: ${error.message}`,
      {
        cause: error,
      },
    );
  }
  return error;
}

/** Telegram answers 400 "can't parse entities" for MarkdownV2 it cannot read. */
function isMarkupRefusal(error: unknown): boolean {
  return (
    error instanceof GrammyError && error.error_code === 400 && /parse entities/i.test(error.description)
  );
}

function threadOptions(chat: ChannelChat): { message_thread_id?: number } {
  return chat.threadId !== undefined ? { message_thread_id: Number(chat.threadId) } : {};
}

export class TelegramAdapter implements ChannelAdapter {
  private readonly bot: Bot;
  private readonly options: TelegramAdapterOptions;
  private readonly inFlight = new Set<Promise<void>>();
  private webhookServer: http.Server | undefined;

  constructor(options: TelegramAdapterOptions) {
    this.options = options;
    this.bot = new Bot(options.token, {
      client: { ...(options.apiRoot ? { apiRoot: options.apiRoot } : {}) },
    });
  }

  async start(onMessage: (message: ReceivedMessage) => Promise<void>): Promise<{ stopped: Promise<void> }> {
    await this.bot.init();
    const me: TelegramBotIdentity = { id: this.bot.botInfo.id, username: this.bot.botInfo.username };
    this.bot.on('message', async (ctx) => {
      const received = buildReceivedMessage(ctx.message, me);
      if (!received) return;
      const handling = onMessage(received);
      this.inFlight.add(handling);
      try {
        await handling;
      } finally {
        this.inFlight.delete(handling);
      }
    });
    if (this.options.webhook) return await this.startWebhook(this.options.webhook);
    // a message that could not reach the bus stops polling before its update is confirmed
    this.bot.catch((error) => {
      this.options.onError?.(error.error, 'handling a Telegram update');
      throw error;
    });
    // webhook mode is not running: getUpdates refuses to work while a webhook is set
    await this.bot.api.deleteWebhook();
    let started: () => void = () => undefined;
    const running = new Promise<void>((resolve) => (started = resolve));
    const stopped = this.bot.start({
      allowed_updates: ['message'],
      timeout: this.options.pollTimeoutSeconds ?? 30,
      drop_pending_updates: false,
      onStart: () => started(),
    });
    await Promise.race([running, stopped]);
    return { stopped };
  }

  private async startWebhook(webhook: TelegramWebhookOptions): Promise<{ stopped: Promise<void> }> {
    const handle = webhookCallback(this.bot, 'http', {
      secretToken: webhook.secretToken,
      // Telegram waits for the answer; the bus may take up to its publish timeout
      timeoutMilliseconds: 45_000,
      onTimeout: 'throw',
    });
    const server = http.createServer((request, response) => {
      if (request.method !== 'POST') {
        response.writeHead(405).end();
        return;
      }
      handle(request, response).catch((error: unknown) => {
        this.options.onError?.(error, 'handling a Telegram webhook update');
        // not on the bus: Telegram delivers the update again
        if (!response.headersSent) response.writeHead(500);
        response.end();
      });
    });
    this.webhookServer = server;
    const stopped = new Promise<void>((resolve) => server.once('close', resolve));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(webhook.port, webhook.host ?? '0.0.0.0', () => resolve());
    });
    await this.bot.api.setWebhook(webhook.url, {
      secret_token: webhook.secretToken,
      allowed_updates: ['message'],
      drop_pending_updates: false,
    });
    return { stopped };
  }

  /** The port the webhook endpoint listens on (webhook mode), e.g. after asking for port 0. */
  webhookPort(): number | undefined {
    const address = this.webhookServer?.address();
    return typeof address === 'object' && address ? address.port : undefined;
  }

  async sendReply(reply: ChannelReply, part: ReplyPart, index: number): Promise<void> {
    const replyTo =
      index === 0 && reply.replyToMessageId !== undefined
        ? {
            reply_parameters: {
              message_id: Number(reply.replyToMessageId),
              allow_sending_without_reply: true,
            },
          }
        : {};
    const common = { ...threadOptions(reply.chat), ...replyTo };
    try {
      await this.bot.api.sendMessage(reply.chat.chatId, part.text, { ...common, parse_mode: 'MarkdownV2' });
    } catch (error) {
      if (!isMarkupRefusal(error)) throw toDeliveryError(error, 'a reply');
      try {
        await this.bot.api.sendMessage(reply.chat.chatId, part.plain, common);
      } catch (plainError) {
        throw toDeliveryError(plainError, 'a reply');
      }
    }
  }

  async sendNotice(chat: ChannelChat, text: string, replyToMessageId?: string): Promise<void> {
    try {
      await this.bot.api.sendMessage(chat.chatId, text, {
        ...threadOptions(chat),
        ...(replyToMessageId !== undefined
          ? { reply_parameters: { message_id: Number(replyToMessageId), allow_sending_without_reply: true } }
          : {}),
      });
    } catch (error) {
      throw toDeliveryError(error, 'a notice');
    }
  }

  async sendTyping(chat: ChannelChat): Promise<void> {
    await this.bot.api.sendChatAction(chat.chatId, 'typing', threadOptions(chat));
  }

  async stop(): Promise<void> {
    // stopping confirms every update fetched so far: let the ones being handled reach the bus first
    await Promise.allSettled([...this.inFlight]);
    if (this.bot.isRunning()) await this.bot.stop();
    const server = this.webhookServer;
    if (server?.listening) {
      // the webhook stays set: Telegram keeps the updates until a pod answers again
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  }
}
