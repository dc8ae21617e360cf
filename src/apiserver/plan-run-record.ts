// What a run's `completed` event leaves in the session store (pure): the run record (condensed
// transcript and token usage, counted once per run) and, when the run belongs to a session, its
// question and the assistant's reply as that session's messages. The run's session and question
// are read from its AgentRun (the event carries only the run's identity); memory markers never
// reach a session.
import type { RunEvent } from '../api/index.ts';
import { extractMemoryMarkers } from '../orchestrator/index.ts';
import { buildCondensedTranscript, type NewMessage, type RunRecord } from '../session/index.ts';

/** What the completion needs of the run's AgentRun, when it still exists with the event's uid. */
export interface RunOrigin {
  sessionKey?: string;
  task: string;
}

export interface CompletedRunPlan {
  record: RunRecord;
  /** In the order they are appended: the question, then the reply. */
  messages: NewMessage[];
}

/** The seqs before `completedSeq` that are not among the stored events (their order is by seq). */
export function findMissingSeqs(stored: readonly RunEvent[], completedSeq: number): number[] {
  const seen = new Set(stored.map((event) => event.seq));
  const missing: number[] = [];
  for (let seq = 1; seq < completedSeq; seq += 1) if (!seen.has(seq)) missing.push(seq);
  return missing;
}

export function planCompletedRun(
  completed: RunEvent,
  origin: RunOrigin | undefined,
  stored: readonly RunEvent[],
): CompletedRunPlan {
  if (completed.body.type !== 'completed') throw new Error('planCompletedRun needs a completed event');
  const { result } = completed.body;
  const { identity } = completed;
  const sessionKey = origin?.sessionKey;
  const record: RunRecord = {
    identity,
    ...(sessionKey !== undefined ? { sessionKey } : {}),
    status: result.status,
    usage: result.usage,
    transcript: buildCondensedTranscript([...stored, completed]),
  };
  if (sessionKey === undefined || origin === undefined) return { record, messages: [] };
  const run = { name: identity.run, uid: identity.runUid };
  const messages: NewMessage[] = [
    { idempotencyKey: `${identity.runUid}:user`, role: 'user', content: origin.task, run },
  ];
  const reply = extractMemoryMarkers(result.response ?? '').cleaned;
  if (reply) {
    messages.push({
      idempotencyKey: `${identity.runUid}:assistant`,
      role: 'assistant',
      content: reply,
      run,
      usage: result.usage,
    });
  }
  return { record, messages };
}
