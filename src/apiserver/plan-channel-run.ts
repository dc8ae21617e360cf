// What crosses between chats and runs in the API server (pure): the AgentRun a chat message becomes
// (named from the message's bus id, so a redelivered message finds its run instead of making a
// second one; the chat, thread and message it answers kept as annotations) and the reply a finished
// run of a chat sends back, with a short failure notice instead of an error's details.
import { createHash } from 'node:crypto';
import {
  annotations,
  apiVersion,
  buildChannelSessionKey,
  channelMessageLimits,
  channelTypes,
  labels,
  type AgentRun,
  type ChannelInboundMessage,
  type ChannelReply,
  type ChannelType,
  type RunEvent,
  type RunFailureReason,
} from '../api/index.ts';
import { extractMemoryMarkers } from '../orchestrator/index.ts';

/** `<instance>-<type>-<10 hex of the message id>`: at most 62 characters for a 42-character instance. */
export function channelRunName(message: ChannelInboundMessage, busMessageId: string): string {
  const digest = createHash('sha256').update(busMessageId).digest('hex').slice(0, 10);
  return `${message.instance}-${message.channel}-${digest}`;
}

export function buildRunForChannelMessage(message: ChannelInboundMessage, busMessageId: string): AgentRun {
  const { chat } = message;
  return {
    apiVersion,
    kind: 'AgentRun',
    metadata: {
      name: channelRunName(message, busMessageId),
      namespace: message.namespace,
      labels: { [labels.instance]: message.instance, [labels.channel]: message.channel },
      annotations: {
        [annotations.channel]: message.channel,
        [annotations.channelMessage]: busMessageId,
        [annotations.channelChat]: chat.chatId,
        ...(chat.threadId !== undefined ? { [annotations.channelThread]: chat.threadId } : {}),
        ...(message.messageId !== undefined ? { [annotations.channelReplyTo]: message.messageId } : {}),
        [annotations.requestedBy]: `${message.channel}:${message.sender.id}`,
      },
    } as AgentRun['metadata'],
    spec: {
      instanceRef: message.instance,
      sessionKey: buildChannelSessionKey(message.channel, chat),
      task: message.text,
    },
  };
}

/** Shown in the chat when a run fails: what kind of failure, never its message or a stack trace. */
export function buildFailureNotice(reason: RunFailureReason | undefined): string {
  switch (reason) {
    case 'DeadlineExceeded':
    case 'ToolLoopLimit':
      return 'Sorry, that took too long and was stopped. Please try again.';
    case 'ProviderRateLimited':
    case 'ProviderUnavailable':
      return 'Sorry, the model is busy right now. Please try again in a moment.';
    default:
      return 'Sorry, something went wrong while working on that. Please try again.';
  }
}

export interface PlannedChannelReply {
  identity: { namespace: string; instance: string; channel: ChannelType };
  reply: ChannelReply;
}

/** The reply of a finished run that came from a chat, or undefined when it did not. */
export function planChannelReply(
  completed: RunEvent,
  run: AgentRun | undefined,
): PlannedChannelReply | undefined {
  if (completed.body.type !== 'completed' || run === undefined) return undefined;
  const notes = run.metadata.annotations ?? {};
  const channel = notes[annotations.channel];
  const chatId = notes[annotations.channelChat];
  if (!channel || !chatId || !(channelTypes as readonly string[]).includes(channel)) return undefined;
  const { result } = completed.body;
  const answer = extractMemoryMarkers(result.response ?? '').cleaned;
  const text = result.status === 'succeeded' ? answer || 'Done.' : buildFailureNotice(result.reason);
  const threadId = notes[annotations.channelThread];
  const replyTo = notes[annotations.channelReplyTo];
  return {
    identity: {
      namespace: completed.identity.namespace,
      instance: completed.identity.instance,
      channel: channel as ChannelType,
    },
    reply: {
      id: completed.identity.runUid,
      run: completed.identity.run,
      chat: { chatId, ...(threadId ? { threadId } : {}) },
      ...(replyTo ? { replyToMessageId: replyTo } : {}),
      status: result.status,
      text: text.slice(0, channelMessageLimits.reply),
    },
  };
}
