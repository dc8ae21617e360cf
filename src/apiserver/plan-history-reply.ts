// What a run's history request is answered with (pure): whether the run may have history (its
// AgentRun still exists with the asking uid, names the instance of the subject and carries a session
// key), and within which limits (the instance's `spec.sessions`, or the defaults). The store's read
// and the bus are elsewhere.
import {
  defaultHistoryTokens,
  defaultHistoryTurns,
  type AgentRun,
  type ClawInstance,
  type RunHistoryReply,
  type RunIdentity,
} from '../api/index.ts';
import type { HistoryLimits, SessionRef } from '../session/index.ts';

export type HistoryPlan =
  { ok: true; session: SessionRef; excludeRunUid: string } | Extract<RunHistoryReply, { ok: false }>;

/** Checks the asking run against its AgentRun (undefined: not found). */
export function planHistoryRequest(identity: RunIdentity, run: AgentRun | undefined): HistoryPlan {
  // an earlier or later run of the same name is another run: it learns nothing of this session
  if (run?.metadata.uid !== identity.runUid) {
    return {
      ok: false,
      reason: 'RunNotFound',
      message: `no AgentRun ${identity.namespace}/${identity.run} with uid ${identity.runUid}`,
    };
  }
  if (run.spec.instanceRef !== identity.instance) {
    return {
      ok: false,
      reason: 'RunNotFound',
      message: `AgentRun ${identity.namespace}/${identity.run} belongs to instance ${run.spec.instanceRef}`,
    };
  }
  if (run.spec.sessionKey === undefined) {
    return {
      ok: false,
      reason: 'NoSession',
      message: `AgentRun ${identity.namespace}/${identity.run} has no sessionKey`,
    };
  }
  return {
    ok: true,
    session: { namespace: identity.namespace, instance: identity.instance, sessionKey: run.spec.sessionKey },
    excludeRunUid: identity.runUid,
  };
}

/** The instance's history limits; fields it leaves out (or an instance already gone) take the defaults. */
export function resolveHistoryLimits(instance: ClawInstance | undefined): HistoryLimits {
  const sessions = instance?.spec.sessions;
  return {
    maxTurns: sessions?.historyTurns ?? defaultHistoryTurns,
    maxTokens: sessions?.historyTokens ?? defaultHistoryTokens,
  };
}
