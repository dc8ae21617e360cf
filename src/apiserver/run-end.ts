// When a run's stream ends without its `completed` event: a run whose Job was lost or cancelled
// before its bridge published one, or whose events have aged out of the bus and were never stored,
// would otherwise be followed for ever. Its AgentRun is checked on a timer; once it is deleted (or
// replaced by another run of the same name), or has been finished for a grace period (the bridge
// publishes what is left after the agent exits), the stream ends with that reason.
import { agentRunKind, group, version, type AgentRun, type RunIdentity } from '../api/index.ts';
import { undefinedIfNotFound, type KubeClient } from '../kube/index.ts';

export interface RunEndCheck {
  intervalMs: number;
  /** How long a finished run's stream still waits for its last events. */
  graceMs: number;
}

export type RunSighting = { kind: 'gone' } | { kind: 'running' } | { kind: 'finished'; phase: string };

/** What one look at the AgentRun says about the followed run (pure). */
export function classifyRun(run: AgentRun | undefined, runUid: string): RunSighting {
  if (run?.metadata.uid !== runUid) return { kind: 'gone' };
  const phase = run.status?.phase;
  return phase === 'Succeeded' || phase === 'Failed' ? { kind: 'finished', phase } : { kind: 'running' };
}

/** Resolves with why the stream should end, or undefined when `signal` aborts first. */
export async function waitForRunEnd(
  kube: KubeClient,
  identity: RunIdentity,
  check: RunEndCheck,
  signal: AbortSignal,
): Promise<string | undefined> {
  let finishedAt: number | undefined;
  while (!signal.aborted) {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, check.intervalMs);
      signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
    });
    if (signal.aborted) return undefined;
    let run: AgentRun | undefined;
    try {
      run = (await undefinedIfNotFound(
        kube.customObjects.getNamespacedCustomObject({
          group,
          version,
          plural: agentRunKind.plural,
          namespace: identity.namespace,
          name: identity.run,
        }),
      )) as AgentRun | undefined;
    } catch {
      // the Kubernetes API is away: look again later, the stream goes on meanwhile
      continue;
    }
    const sighting = classifyRun(run, identity.runUid);
    if (sighting.kind === 'gone') return 'run deleted';
    if (sighting.kind === 'running') {
      finishedAt = undefined;
      continue;
    }
    finishedAt ??= Date.now();
    if (Date.now() - finishedAt >= check.graceMs)
      return `run finished (${sighting.phase}) without a completed event`;
  }
  return undefined;
}
