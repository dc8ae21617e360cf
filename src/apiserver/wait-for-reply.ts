// `?wait=` of the messages endpoint: waits until the run is recorded in the session store (its
// question and reply are then stored, so the next message of the session sees them), within the
// wait. The store wakes it the moment any replica records the run (a PostgreSQL notification), and
// it looks again every interval anyway: a store that is briefly unreachable is asked again, and a
// run that failed before its pod ever started never completes on the bus, so its AgentRun's failure
// is the answer.
import { setTimeout as sleep } from 'node:timers/promises';
import { agentRunKind, group, version, type AgentRun, type TokenUsage } from '../api/index.ts';
import { undefinedIfNotFound, type KubeClient } from '../kube/index.ts';
import { isSessionStoreUnavailable, type SessionRef } from '../session/index.ts';
import type { SessionReader } from './route-definition.ts';

export interface RunOutcome {
  status: 'succeeded' | 'failed';
  reply?: string;
  error?: string;
  usage?: TokenUsage;
}

export interface WaitForReplyOptions {
  sessions: Pick<SessionReader, 'fetchRun' | 'fetchMessage' | 'waitForRecordedRun'>;
  kube: KubeClient;
  session: SessionRef;
  run: { namespace: string; name: string; uid: string };
  waitMs: number;
  signal: AbortSignal;
  intervalMs?: number;
}

/** A run that failed without a Job (refused before it started): it will never be recorded. */
export function failedBeforeStart(run: AgentRun | undefined): RunOutcome | undefined {
  if (run?.status?.phase !== 'Failed' || run.status.jobName) return undefined;
  return { status: 'failed', error: run.status.error ?? 'the run failed before it started' };
}

/** The outcome once recorded, or undefined when the wait ran out (or the client left) first. */
export async function waitForReply(options: WaitForReplyOptions): Promise<RunOutcome | undefined> {
  const deadline = Date.now() + options.waitMs;
  const intervalMs = options.intervalMs ?? 2000;
  const { sessions, run } = options;
  while (!options.signal.aborted) {
    try {
      const record = await sessions.fetchRun(run.uid);
      if (record) {
        const reply = await sessions.fetchMessage(options.session, `${run.uid}:assistant`);
        return { status: record.status, ...(reply ? { reply: reply.content } : {}), usage: record.usage };
      }
    } catch (error) {
      if (!isSessionStoreUnavailable(error)) throw error;
    }
    const agentRun = (await undefinedIfNotFound(
      options.kube.customObjects.getNamespacedCustomObject({
        group,
        version,
        plural: agentRunKind.plural,
        namespace: run.namespace,
        name: run.name,
      }),
    )) as AgentRun | undefined;
    if (agentRun?.metadata.uid === run.uid) {
      const failed = failedBeforeStart(agentRun);
      if (failed) return failed;
    }
    const left = deadline - Date.now();
    if (left <= 0) return undefined;
    const waitMs = Math.min(intervalMs, left);
    await sessions
      .waitForRecordedRun(run.uid, waitMs, options.signal)
      // never a busy loop: a store that cannot wait is waited out
      .catch(() => sleep(waitMs, undefined, { signal: options.signal }).catch(() => undefined));
  }
  return undefined;
}
