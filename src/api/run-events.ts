// What an agent run reports while it runs and when it ends: the events the runner writes to /ipc,
// the IPC bridge publishes on the event bus and the controller (and later channels and the API
// server) consume, plus the follow-up messages delivered back into a running agent. One schema
// for every hop, so a file, a bus message and a status field cannot drift apart.
import { Type, type Static } from '@sinclair/typebox';
import { channelTypes } from './claw-instance.ts';
import { channelChatSchema, channelMessageLimits } from './channel-messages.ts';
import { stringEnum } from './schema-kit.ts';
import { resultMaxLength, taskMaxLength } from './agent-run.ts';

/** Limits every hop enforces, so one run cannot flood the bus or a status. */
export const runEventLimits = {
  chunkText: 16 * 1024,
  toolArguments: 4 * 1024,
  toolSummary: 4 * 1024,
  statusMessage: 1024,
  response: 64 * 1024,
  error: 4096,
  memoryUpdate: 8 * 1024,
  memoryUpdates: 32,
} as const;

export const tokenUsageSchema = Type.Object({
  input: Type.Integer({ minimum: 0 }),
  output: Type.Integer({ minimum: 0 }),
});
export type TokenUsage = Static<typeof tokenUsageSchema>;

/**
 * Why a run failed, as the PascalCase reason its conditions carry. Provider reasons come from the
 * HTTP status of the provider's answer; the rest from the runner itself.
 */
export const runFailureReasons = [
  'ProviderUnauthorized',
  'ProviderRateLimited',
  'ProviderUnavailable',
  'ProviderRejected',
  'ProviderError',
  'ToolLoopLimit',
  'DeadlineExceeded',
  'InvalidConfiguration',
  'RunnerError',
] as const;
export type RunFailureReason = (typeof runFailureReasons)[number];

/** The runner's final word: /ipc/output/result.json and the payload of the `completed` event. */
export const runResultSchema = Type.Object({
  status: stringEnum(['succeeded', 'failed'] as const),
  /** The model's final answer, memory markers included (the controller strips them). */
  response: Type.Optional(Type.String({ maxLength: runEventLimits.response })),
  error: Type.Optional(Type.String({ maxLength: runEventLimits.error })),
  reason: Type.Optional(stringEnum(runFailureReasons)),
  usage: tokenUsageSchema,
  toolCalls: Type.Integer({ minimum: 0 }),
  /** Entries stored with the update_memory tool, in call order. */
  memoryUpdates: Type.Array(Type.String({ maxLength: runEventLimits.memoryUpdate }), {
    maxItems: runEventLimits.memoryUpdates,
  }),
  /** The response was cut to fit `runEventLimits.response`. */
  truncated: Type.Optional(Type.Boolean()),
});
export type RunResult = Static<typeof runResultSchema>;

const startedBody = Type.Object({
  type: Type.Literal('started'),
  provider: Type.String(),
  model: Type.String(),
});
const chunkBody = Type.Object({
  type: Type.Literal('chunk'),
  text: Type.String({ maxLength: runEventLimits.chunkText }),
});
const toolCallBody = Type.Object({
  type: Type.Literal('tool_call'),
  callId: Type.String({ maxLength: 256 }),
  tool: Type.String({ maxLength: 64 }),
  arguments: Type.String({ maxLength: runEventLimits.toolArguments }),
  outcome: stringEnum(['ok', 'error', 'refused'] as const),
  summary: Type.String({ maxLength: runEventLimits.toolSummary }),
});
const statusBody = Type.Object({
  type: Type.Literal('status'),
  message: Type.String({ maxLength: runEventLimits.statusMessage }),
  iteration: Type.Optional(Type.Integer({ minimum: 0 })),
});
const completedBody = Type.Object({ type: Type.Literal('completed'), result: runResultSchema });
/**
 * A message the agent asks to post into a chat of its instance (send_channel_message). A request
 * only: the API server checks it against the instance and its policy before the channel gets it.
 */
const channelMessageBody = Type.Object({
  type: Type.Literal('channel_message'),
  channel: stringEnum(channelTypes),
  chatId: channelChatSchema.properties.chatId,
  threadId: channelChatSchema.properties.threadId,
  text: Type.String({ minLength: 1, maxLength: channelMessageLimits.reply }),
});

/** A sub-agent request's id: chosen by the runner, unique within its run, a single name token. */
export const subagentRequestIdSchema = Type.String({ minLength: 1, maxLength: 64, pattern: '^[a-z0-9-]+$' });
/**
 * The agent asks for a sub-agent run (spawn_subagent). A request only: the controller checks it
 * against the instance and its policy, then creates the child run or refuses, and either way
 * answers on the run's input with `subagent` set.
 */
const subagentRequestBody = Type.Object({
  type: Type.Literal('subagent_request'),
  requestId: subagentRequestIdSchema,
  task: Type.String({ minLength: 1, maxLength: taskMaxLength }),
});

/** What the runner writes: one of these per file in /ipc/events. */
export const runEventBodySchema = Type.Union([
  startedBody,
  chunkBody,
  toolCallBody,
  statusBody,
  completedBody,
  channelMessageBody,
  subagentRequestBody,
]);
export type RunEventBody = Static<typeof runEventBodySchema>;
export type RunEventType = RunEventBody['type'];
export const runEventTypes = [
  'started',
  'chunk',
  'tool_call',
  'status',
  'completed',
  'channel_message',
  'subagent_request',
] as const;

/** Which run an event belongs to: stamped by the bridge from its own environment, never by the agent. */
export const runIdentitySchema = Type.Object({
  namespace: Type.String({ minLength: 1, maxLength: 63 }),
  instance: Type.String({ minLength: 1, maxLength: 253 }),
  run: Type.String({ minLength: 1, maxLength: 253 }),
  /** metadata.uid of the AgentRun: two runs of the same name are told apart by it. */
  runUid: Type.String({ minLength: 1, maxLength: 64 }),
});
export type RunIdentity = Static<typeof runIdentitySchema>;

/** A run event on the bus. `id` is unique per run and is the message id JetStream de-duplicates on. */
export const runEventSchema = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 128 }),
  /** Order of the event within its run, from 1. */
  seq: Type.Integer({ minimum: 1 }),
  time: Type.String({ format: 'date-time' }),
  identity: runIdentitySchema,
  body: runEventBodySchema,
});
export type RunEvent = Static<typeof runEventSchema>;

export const subagentOutcomes = ['succeeded', 'failed', 'refused'] as const;
export type SubagentOutcome = (typeof subagentOutcomes)[number];

/**
 * The answer to a sub-agent request, from the controller: the child run's result, or why no child
 * was started (`refused`). Delivered to the waiting spawn_subagent call, never to the model as a
 * follow-up message.
 */
export const subagentAnswerSchema = Type.Object({
  requestId: subagentRequestIdSchema,
  status: stringEnum(subagentOutcomes),
  /** The child AgentRun (absent when refused before one was created). */
  run: Type.Optional(Type.String({ minLength: 1, maxLength: 253 })),
  response: Type.Optional(Type.String({ maxLength: resultMaxLength })),
  error: Type.Optional(Type.String({ maxLength: runEventLimits.error })),
});
export type SubagentAnswer = Static<typeof subagentAnswerSchema>;

/** A follow-up message for a running agent (from a channel or the API), delivered into /ipc/input. */
export const runInputSchema = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 128 }),
  time: Type.String({ format: 'date-time' }),
  text: Type.String({ minLength: 1, maxLength: 32768 }),
  sender: Type.Optional(Type.String({ maxLength: 256 })),
  /** Set on the controller's answer to a sub-agent request; `text` then only summarises it. */
  subagent: Type.Optional(subagentAnswerSchema),
});
export type RunInput = Static<typeof runInputSchema>;
