// What each chat service's adapter provides to the channel runtime: receiving messages (already
// normalised and checked by access control), sending a reply part, a typing indicator and its own
// health. Adapters own their SDK; the runtime owns the bus.
import type { ChannelChat, ChannelReply } from '../../api/index.ts';
import type { AccessCandidate } from './access-control.ts';
import type { ReplyPart } from './format-reply.ts';

/** A message as an adapter hands it over, before access control. */
export interface ReceivedMessage {
  id: string;
  chat: ChannelChat;
  messageId?: string;
  sender: { id: string; name?: string };
  text: string;
  sentAt: Date;
  access: AccessCandidate;
}

export interface ChannelAdapter {
  /**
   * Starts receiving and resolves once it does; `onMessage` resolves once the message is safely on
   * the bus (or refused), and the adapter confirms it to its service only then. `stopped` settles
   * when receiving ends: resolved after stop(), rejected when it cannot go on (a refused token).
   */
  start(onMessage: (message: ReceivedMessage) => Promise<void>): Promise<{ stopped: Promise<void> }>;
  sendReply(reply: ChannelReply, part: ReplyPart, index: number): Promise<void>;
  /** A short refusal or notice into a chat, outside any run (the deny message). */
  sendNotice(chat: ChannelChat, text: string, replyToMessageId?: string): Promise<void>;
  /**
   * Shows that the bot is working in this chat; best effort. `messageId` is the person's message
   * the run answers (WhatsApp ties its typing indicator to one).
   */
  sendTyping(chat: ChannelChat, messageId?: string): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Builds a service's adapter from the channel pod's environment; throws a ZodError naming each
 * variable that is missing or wrong.
 */
export type AdapterFactory = (
  environment: NodeJS.ProcessEnv,
  onError: (error: unknown, what: string) => void,
) => ChannelAdapter;
