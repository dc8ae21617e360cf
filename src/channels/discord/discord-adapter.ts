// The Discord channel on discord.js: a Gateway connection (intents Guilds, GuildMessages,
// MessageContent, DirectMessages; the Channel partial so DMs, never cached, arrive at all) whose
// `messageCreate` events from people go to the kit. Discord does not redeliver Gateway events: a
// message that arrives while no connection is up, or that cannot reach the bus, is lost; stopping
// waits for the messages being handled to reach the bus first. Replies are created over REST in the
// channel or thread the message came from, the first part answering the person's message, with
// every mention disabled (a model's text never pings @everyone). discord.js's REST client is told
// not to retry on its own (no retries of 5xx and network errors, 429s rejected instead of waited
// out), so its errors become the kit's DeliveryError at once and the kit's retry policy applies:
// 429 with its `retry_after`, 5xx and network errors retryable, the rest (403 missing access, 404
// unknown channel) refusals.
import { Client, Events, GatewayIntentBits, Partials, Routes, type Message } from 'discord.js';
import type { ChannelChat, ChannelReply } from '../../api/index.ts';
import type { ChannelAdapter, ReceivedMessage, ReplyPart } from '../kit/index.ts';
import { toDeliveryError } from './discord-delivery-error.ts';
import { buildReceivedMessage, type DiscordMessageFacts } from './discord-message.ts';

export interface DiscordAdapterOptions {
  token: string;
  /** The REST root (default https://discord.com/api): a fake in tests. The Gateway is found through it. */
  apiUrl?: string;
  /** How long one REST request may take (default 15 s). */
  requestTimeoutMs?: number;
  onError?: (error: unknown, what: string) => void;
}

export const discordIntents = [
  GatewayIntentBits.Guilds,
  GatewayIntentBits.GuildMessages,
  GatewayIntentBits.MessageContent,
  GatewayIntentBits.DirectMessages,
] as const;

/** Where a reply to this chat goes: the thread when there is one, else the channel. */
function targetChannel(chat: ChannelChat): string {
  return chat.threadId ?? chat.chatId;
}

export class DiscordAdapter implements ChannelAdapter {
  private readonly client: Client;
  private readonly options: DiscordAdapterOptions;
  /** The messages being handled, one after another in the order Discord sent them. */
  private handling: Promise<void> = Promise.resolve();
  private stopping = false;
  private endStopped: (error?: unknown) => void = () => undefined;

  constructor(options: DiscordAdapterOptions) {
    this.options = options;
    this.client = new Client({
      intents: [...discordIntents],
      // DM channels are never in the cache: without the partial their messages are dropped
      partials: [Partials.Channel],
      rest: {
        ...(options.apiUrl ? { api: options.apiUrl } : {}),
        // no retries behind the kit's back: its policy decides, and a failure surfaces
        retries: 0,
        rejectOnRateLimit: () => true,
        timeout: options.requestTimeoutMs ?? 15_000,
      },
    });
  }

  async start(onMessage: (message: ReceivedMessage) => Promise<void>): Promise<{ stopped: Promise<void> }> {
    const stopped = new Promise<void>((resolve, reject) => {
      this.endStopped = (error) => (error === undefined ? resolve() : reject(error as Error));
    });
    // an unrecoverable Gateway close (a refused token, intents not enabled) ends receiving
    this.client.on(Events.ShardDisconnect, (event) => {
      if (!this.stopping)
        this.endStopped(new Error(`the Discord Gateway closed the connection for good (${event.code})`));
    });
    this.client.on(Events.Error, (error) => this.options.onError?.(error, 'the Discord client'));
    this.client.on(Events.MessageCreate, (message) => {
      // in order: a chat's messages reach the bus, and its session, as they were sent
      this.handling = this.handling.then(() =>
        this.handle(message, onMessage).catch((error: unknown) => {
          // Discord does not deliver it again: the message is lost
          this.options.onError?.(error, 'handling a Discord message');
        }),
      );
    });
    const ready = new Promise<void>((resolve) => this.client.once(Events.ClientReady, () => resolve()));
    await this.client.login(this.options.token);
    await Promise.race([ready, stopped]);
    return { stopped };
  }

  private async handle(
    message: Message,
    onMessage: (message: ReceivedMessage) => Promise<void>,
  ): Promise<void> {
    const me = this.client.user;
    if (!me || message.author.id === me.id) return;
    const received = buildReceivedMessage(await this.factsOf(message), { id: me.id });
    if (received) await onMessage(received);
  }

  private async factsOf(message: Message): Promise<DiscordMessageFacts> {
    let channel = message.channel;
    // a thread the cache does not know yet: its parent decides the chat
    if (channel.isThread() && !channel.parentId) channel = await channel.fetch();
    return {
      id: message.id,
      channelId: message.channelId,
      ...(channel.isThread() && channel.parentId ? { parentChannelId: channel.parentId } : {}),
      inGuild: message.inGuild(),
      type: message.type,
      webhookId: message.webhookId,
      author: {
        id: message.author.id,
        username: message.author.username,
        globalName: message.author.globalName,
        bot: message.author.bot,
        system: message.author.system,
      },
      content: message.content,
      mentionedUserIds: [...message.mentions.users.keys()],
      repliedToUserId: message.mentions.repliedUser?.id,
      createdAt: message.createdAt,
    };
  }

  private async createMessage(
    chat: ChannelChat,
    text: string,
    replyToMessageId: string | undefined,
    what: string,
  ) {
    try {
      await this.client.rest.post(Routes.channelMessages(targetChannel(chat)), {
        body: {
          content: text,
          allowed_mentions: { parse: [] },
          ...(replyToMessageId !== undefined
            ? { message_reference: { message_id: replyToMessageId, fail_if_not_exists: false } }
            : {}),
        },
      });
    } catch (error) {
      throw toDeliveryError(error, what);
    }
  }

  async sendReply(reply: ChannelReply, part: ReplyPart, index: number): Promise<void> {
    // Discord renders the model's Markdown itself
    await this.createMessage(
      reply.chat,
      part.text,
      index === 0 ? reply.replyToMessageId : undefined,
      'a reply',
    );
  }

  async sendNotice(chat: ChannelChat, text: string, replyToMessageId?: string): Promise<void> {
    await this.createMessage(chat, text, replyToMessageId, 'a notice');
  }

  async sendTyping(chat: ChannelChat): Promise<void> {
    try {
      await this.client.rest.post(Routes.channelTyping(targetChannel(chat)));
    } catch (error) {
      throw toDeliveryError(error, 'the typing indicator');
    }
  }

  async stop(): Promise<void> {
    this.stopping = true;
    // Discord will not send them again: let the messages being handled, and those arriving
    // meanwhile, reach the bus before the connection closes
    for (let round = 0; round < 10; round += 1) {
      const handling = this.handling;
      await handling;
      if (handling === this.handling) break;
    }
    await this.client.destroy();
    this.endStopped();
  }
}
