// send_channel_message: the agent posts into a chat its instance names (a channel's allowedChats),
// e.g. a scheduled run reporting to a team chat. The tool does not reach the chat itself: it writes
// a `channel_message` run event, the bridge publishes it with the run's own credentials, and the
// API server checks it again against the instance and its policy before the channel delivers it.
import {
  channelChatSchema,
  channelMessageLimits,
  channelTypes,
  type ChannelType,
  type RunEventBody,
} from '../../api/index.ts';
import type { ChannelTarget } from '../../orchestrator/index.ts';
import { toolError, toolOk, type Tool } from './tool.ts';

export type ChannelMessageBody = Extract<RunEventBody, { type: 'channel_message' }>;

export interface ChannelSendOptions {
  /** Where the run may post (K8SCLAW_CHANNEL_TARGETS). */
  targets: readonly ChannelTarget[];
  /** Hands the message to the bridge; resolves once it is written, throws when it could not be. */
  emit: (body: ChannelMessageBody) => Promise<void>;
  /** Messages one run may send (default 20): a model in a loop cannot flood a chat. */
  maxMessages?: number;
}

export interface SendChannelMessageArgs {
  channel: ChannelType;
  chatId: string;
  threadId?: string;
  text: string;
}

/** Chats listed in the tool's description at most; the rest are counted. */
const describedChats = 50;
const defaultMaxMessages = 20;

export function createSendChannelMessageTool(options: ChannelSendOptions): Tool<SendChannelMessageArgs> {
  const maxMessages = options.maxMessages ?? defaultMaxMessages;
  const chatsOf = new Map(options.targets.map((target) => [target.channel, new Set(target.chats)]));
  const where = describeTargets(options.targets);
  const token = channelChatSchema.properties.chatId;
  let sent = 0;
  return {
    spec: {
      name: 'send_channel_message',
      description:
        'Post a message into a chat of this agent’s instance, e.g. to report the outcome of a scheduled ' +
        `task. Only these chats can be posted to: ${where}. Markdown is formatted for the chat service. ` +
        `At most ${maxMessages} messages per run.`,
      parameters: {
        type: 'object',
        properties: {
          channel: { type: 'string', enum: [...channelTypes], description: 'The chat service.' },
          chatId: { type: 'string', minLength: 1, maxLength: 256, description: 'One of the chats listed.' },
          threadId: {
            type: 'string',
            minLength: 1,
            maxLength: token.maxLength,
            pattern: token.pattern,
            description: 'A thread or topic within the chat (optional).',
          },
          text: {
            type: 'string',
            minLength: 1,
            maxLength: channelMessageLimits.reply,
            description: 'The message.',
          },
        },
        required: ['channel', 'chatId', 'text'],
        additionalProperties: false,
      },
    },
    async run(args) {
      const chats = chatsOf.get(args.channel);
      if (!chats) return toolError(`the instance names no ${args.channel} chats to post to; chats: ${where}`);
      if (!chats.has(args.chatId)) {
        return toolError(
          `${args.channel} chat ${args.chatId} is not one the instance names; chats: ${where}`,
        );
      }
      if (args.text.trim() === '') return toolError('the text is empty: nothing to send');
      if (sent >= maxMessages) {
        return toolError(`this run has sent its ${maxMessages} messages; no more can be sent`);
      }
      try {
        await options.emit({
          type: 'channel_message',
          channel: args.channel,
          chatId: args.chatId,
          ...(args.threadId !== undefined ? { threadId: args.threadId } : {}),
          text: args.text,
        });
      } catch (error) {
        return toolError(
          `the message could not be handed over for sending: ${error instanceof Error ? error.message : String(error)}`,
        );
      }
      sent += 1;
      const place = `${args.channel} chat ${args.chatId}${args.threadId !== undefined ? ` (thread ${args.threadId})` : ''}`;
      return toolOk(`handed over for delivery to ${place}`);
    },
  };
}

function describeTargets(targets: readonly ChannelTarget[]): string {
  const all = targets.flatMap((target) => target.chats.map((chat) => `${target.channel} ${chat}`));
  if (all.length === 0) return 'none';
  const shown = all.slice(0, describedChats).join(', ');
  return all.length > describedChats ? `${shown} (and ${all.length - describedChats} more)` : shown;
}
