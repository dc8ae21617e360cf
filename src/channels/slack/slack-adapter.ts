// The Slack channel on Bolt: Socket Mode by default (an app-level token, no public endpoint), or
// the HTTP Events API (Slack posts signed events to this process). Each `message` and
// `app_mention` event goes to the kit, and Slack learns it was received (the Socket Mode envelope
// acknowledged, the HTTP request answered 200) only once the kit put it on the bus, so an event a
// killed pod never confirmed is delivered again. Replies are posted with chat.postMessage as mrkdwn
// into the conversation and thread of the message; Slack's errors become the kit's DeliveryError,
// and Bolt's Web API client is told not to retry by itself so the kit's single retry policy (and
// its count of attempts) is the only one.
import { App, LogLevel, SocketModeReceiver, HTTPReceiver, type Logger } from '@slack/bolt';
import type { SocketModeReceiverOptions } from '@slack/bolt';
import type { ChannelChat, ChannelReply } from '../../api/index.ts';
import type { ChannelAdapter, ReceivedMessage, ReplyPart } from '../kit/index.ts';
import { toDeliveryError } from './slack-delivery-error.ts';
import {
  buildReceivedMessage,
  slackThreadKey,
  type SlackBotIdentity,
  type SlackMessageEvent,
} from './slack-message.ts';

export interface SlackAdapterOptions {
  /** The bot token (`xoxb-…`) every Web API call is made with. */
  botToken: string;
  /** The Web API's base URL (default https://slack.com/api/): a fake in tests. */
  apiUrl?: string;
  /**
   * Socket Mode with this app-level token (`xapp-…`, scope `connections:write`). `reconnectDelayMs`
   * is the socket client's ping timeout, which is also its first delay before reconnecting (5 s).
   */
  socketMode?: { appToken: string; reconnectDelayMs?: number };
  /** The HTTP Events API: Slack posts to `/slack/events` on this port, signed with the secret. */
  http?: { signingSecret: string; port: number; host?: string };
  onError?: (error: unknown, what: string) => void;
}

/** Threads the bot remembers taking part in; older ones need a mention again. */
const rememberedThreads = 10_000;
/** Message ids recently handled: `message` and `app_mention` both come for one mention. */
const rememberedMessages = 1_000;

/** Bolt's log lines: errors go to the channel's error log, the rest is Bolt's own chatter. */
function boltLogger(onError: SlackAdapterOptions['onError']): Logger {
  let level = LogLevel.ERROR;
  return {
    debug: () => undefined,
    info: () => undefined,
    warn: () => undefined,
    error: (...message: unknown[]) => onError?.(new Error(message.map(String).join(' ')), 'slack'),
    setLevel: (next) => (level = next),
    getLevel: () => level,
    setName: () => undefined,
  };
}

type SocketModeEventArgs = {
  ack: (response?: Record<string, unknown>) => Promise<void>;
  body: Record<string, unknown>;
  retry_num?: number;
  retry_reason?: string;
};

/**
 * Bolt's SocketModeReceiver with the envelope acknowledged after the listeners instead of before
 * them. Bolt's App calls ack() for every Events API event before any listener runs ("events are
 * acknowledged right away"), and SocketModeReceiver sends the acknowledgement on the socket at
 * that call; Socket Mode has no `processBeforeResponse`. So App gets an ack() that does nothing,
 * and the envelope's real acknowledgement is sent once processEvent resolved, i.e. once the message
 * is on the bus. When the listener failed, the envelope stays unacknowledged and Slack sends it
 * again (on this connection after a while, or on the next one).
 */
class AckAfterHandlingReceiver extends SocketModeReceiver {
  private bolt: App | undefined;

  constructor(options: SocketModeReceiverOptions) {
    super(options);
    this.client.removeAllListeners('slack_event');
    this.client.on('slack_event', (args: SocketModeEventArgs) => void this.handle(args));
  }

  override init(app: App): void {
    super.init(app);
    this.bolt = app;
  }

  /** SocketModeReceiver's stop() does not wait for the socket's close handshake; this one does. */
  override async stop(): Promise<void> {
    await this.client.disconnect();
  }

  private async handle(args: SocketModeEventArgs): Promise<void> {
    try {
      await this.bolt?.processEvent({
        body: args.body,
        ack: async () => undefined,
        ...(args.retry_num !== undefined ? { retryNum: args.retry_num } : {}),
        ...(args.retry_reason !== undefined ? { retryReason: args.retry_reason } : {}),
        customProperties: {},
      });
    } catch {
      // not acknowledged: Slack delivers the envelope again (the error was logged by the App)
      return;
    }
    await args.ack().catch(() => undefined);
  }
}

export class SlackAdapter implements ChannelAdapter {
  /** How events arrive: over Slack's WebSocket, or posted to this process. */
  readonly mode: 'socket-mode' | 'events-api';
  private readonly app: App;
  private readonly receiver: AckAfterHandlingReceiver | HTTPReceiver;
  private readonly options: SlackAdapterOptions;
  private readonly inFlight = new Set<Promise<void>>();
  /** `<channel>:<thread_ts>` of threads the bot was mentioned in or posted in, oldest first. */
  private readonly threads = new Map<string, true>();
  private readonly handled = new Map<string, Promise<void>>();
  private stopped: (() => void) | undefined;
  private httpServer: Awaited<ReturnType<App['start']>> | undefined;

  constructor(options: SlackAdapterOptions) {
    if (!options.socketMode === !options.http) {
      throw new Error('the Slack adapter runs either in Socket Mode or with the HTTP Events API');
    }
    this.options = options;
    this.mode = options.socketMode ? 'socket-mode' : 'events-api';
    const logger = boltLogger(options.onError);
    const apiUrl = options.apiUrl ? { slackApiUrl: options.apiUrl } : {};
    this.receiver = options.socketMode
      ? new AckAfterHandlingReceiver({
          appToken: options.socketMode.appToken,
          logger,
          // apps.connections.open goes to the same Web API; its own client keeps Bolt's retries,
          // since connecting again is all it does
          installerOptions: { clientOptions: { ...apiUrl } },
          ...(options.socketMode.reconnectDelayMs !== undefined
            ? { clientPingTimeout: options.socketMode.reconnectDelayMs }
            : {}),
        })
      : new HTTPReceiver({
          signingSecret: options.http?.signingSecret ?? '',
          endpoints: '/slack/events',
          port: options.http?.port ?? 8080,
          // answer only once the listener resolved: 200 means on the bus, an error 500
          processBeforeResponse: true,
          logger,
        });
    this.app = new App({
      token: options.botToken,
      receiver: this.receiver,
      logger,
      convoStore: false,
      deferInitialization: true,
      clientOptions: {
        ...apiUrl,
        logger,
        // the kit retries replies (waiting what Slack asked): the client must not retry, nor wait
        // out a 429 on its own
        retryConfig: { retries: 0 },
        rejectRateLimitedCalls: true,
      },
    });
  }

  async start(onMessage: (message: ReceivedMessage) => Promise<void>): Promise<{ stopped: Promise<void> }> {
    // auth.test: a refused token ends here, before anything is received; the App keeps its own
    // answer to itself, so the bot's ids come from a second call
    await this.app.init();
    const auth = await this.app.client.auth.test();
    if (!auth.user_id) throw new Error('auth.test named no bot user');
    const bot: SlackBotIdentity = { userId: auth.user_id, ...(auth.bot_id ? { botId: auth.bot_id } : {}) };
    const listener = async ({ event }: { event: unknown }) => {
      const received = buildReceivedMessage(event as SlackMessageEvent, bot, (key) => this.threads.has(key));
      if (!received) return;
      if (received.access.addressedToBot && received.chat.threadId !== undefined) {
        this.rememberThread(received.chat.chatId, received.chat.threadId);
      }
      await this.handleOnce(received, onMessage);
    };
    this.app.event('message', listener);
    this.app.event('app_mention', listener);
    // a listener that failed (the bus did not take the message) fails processEvent: the Socket Mode
    // receiver then withholds the acknowledgement, the HTTP receiver answers 500
    this.app.error(async (error) => {
      this.options.onError?.(error, 'handling a Slack event');
      throw error;
    });
    const stopped = new Promise<void>((resolve) => (this.stopped = resolve));
    if (this.options.http) {
      // HTTPReceiver.start resolves with its listening server
      this.httpServer = await this.app.start({
        port: this.options.http.port,
        host: this.options.http.host ?? '0.0.0.0',
      });
    } else {
      // resolves once Slack said hello on the socket
      await this.app.start();
    }
    return { stopped };
  }

  /** One handling per message id: a mention arrives as `message` and `app_mention` alike. */
  private async handleOnce(
    received: ReceivedMessage,
    onMessage: (message: ReceivedMessage) => Promise<void>,
  ): Promise<void> {
    const earlier = this.handled.get(received.id);
    if (earlier) return await earlier;
    const handling = onMessage(received);
    this.handled.set(received.id, handling);
    this.inFlight.add(handling);
    try {
      await handling;
      while (this.handled.size > rememberedMessages) {
        const oldest = this.handled.keys().next().value;
        if (oldest === undefined) break;
        this.handled.delete(oldest);
      }
    } catch (error) {
      // not on the bus: Slack's redelivery must be handled again
      this.handled.delete(received.id);
      throw error;
    } finally {
      this.inFlight.delete(handling);
    }
  }

  private rememberThread(channel: string, threadTs: string): void {
    const key = slackThreadKey(channel, threadTs);
    this.threads.delete(key);
    this.threads.set(key, true);
    if (this.threads.size > rememberedThreads) {
      const oldest = this.threads.keys().next().value;
      if (oldest !== undefined) this.threads.delete(oldest);
    }
  }

  /** The port the Events API endpoint listens on (HTTP mode), e.g. after asking for port 0. */
  httpPort(): number | undefined {
    const address = this.httpServer?.address();
    return typeof address === 'object' && address ? address.port : undefined;
  }

  private async post(chat: ChannelChat, text: string, what: string): Promise<void> {
    try {
      await this.app.client.chat.postMessage({
        channel: chat.chatId,
        text,
        ...(chat.threadId !== undefined ? { thread_ts: chat.threadId } : {}),
      });
    } catch (error) {
      throw toDeliveryError(error, what);
    }
    if (chat.threadId !== undefined) this.rememberThread(chat.chatId, chat.threadId);
  }

  async sendReply(reply: ChannelReply, part: ReplyPart): Promise<void> {
    await this.post(reply.chat, part.text, 'a reply');
  }

  async sendNotice(chat: ChannelChat, text: string): Promise<void> {
    await this.post(chat, text, 'a notice');
  }

  /**
   * Nothing: Slack has no typing indicator for bots. The RTM API's `typing` message is gone with
   * RTM, the Events API has none, and `assistant.threads.setStatus` works only in the app's
   * assistant threads (Slack's AI app surface, with the `assistant:write` scope), not in the
   * channels and direct messages this channel answers in. Posting and deleting a "working…"
   * message instead would notify people for nothing.
   */
  async sendTyping(): Promise<void> {
    // see above
  }

  async stop(): Promise<void> {
    // the envelopes being handled are acknowledged once they reach the bus: let them
    await Promise.allSettled([...this.inFlight]);
    await this.app.stop().catch((error: unknown) => this.options.onError?.(error, 'stopping Slack'));
    this.stopped?.();
  }
}
