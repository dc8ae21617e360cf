// The history request of a run with a session key: the run's IPC bridge asks over the bus, the API
// server answers with the session's earlier turns. Schemas for both messages, one definition for
// both sides; the reply says why there is no history when there is none, so the run can show it.
import { Type, type Static } from '@sinclair/typebox';
import { stringEnum } from './schema-kit.ts';

export const runHistoryRequestSchema = Type.Object({
  /** The asking run's uid: an earlier run of the same name gets nothing. */
  runUid: Type.String({ minLength: 1, maxLength: 128 }),
});
export type RunHistoryRequest = Static<typeof runHistoryRequestSchema>;

export const historyMessageSchema = Type.Object({
  role: stringEnum(['user', 'assistant'] as const),
  content: Type.String(),
});
export type RunHistoryMessage = Static<typeof historyMessageSchema>;

/**
 * Why no history was given. `Unavailable` may mend (the database is down): the bridge asks again;
 * the others will not.
 */
export const runHistoryRefusals = ['Unavailable', 'RunNotFound', 'NoSession', 'Invalid'] as const;
export type RunHistoryRefusal = (typeof runHistoryRefusals)[number];

export const runHistoryReplySchema = Type.Union([
  Type.Object({
    ok: Type.Literal(true),
    /** Oldest first; whole turns, within the instance's turn and token limits. */
    messages: Type.Array(historyMessageSchema),
  }),
  Type.Object({
    ok: Type.Literal(false),
    reason: stringEnum(runHistoryRefusals),
    message: Type.String({ maxLength: 1024 }),
  }),
]);
export type RunHistoryReply = Static<typeof runHistoryReplySchema>;
