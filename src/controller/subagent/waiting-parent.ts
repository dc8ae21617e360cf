// Whether a sub-agent's parent still waits for its answer (pure). The one rule behind both ends of
// a sub-agent's life: no child is created for a parent that has ended, and a child whose parent has
// ended or is gone does not run (it is cancelled when it is reconciled). Together with the parent's
// own sweep of its unfinished children when it ends, no child runs with nobody waiting.
import { conditionTypes, type AgentRun } from '../../api/index.ts';

/**
 * A run that reads no more answers: finished, being deleted, or with its result recorded (the
 * runner's last act; its Job may still be winding down).
 */
export function hasEnded(run: AgentRun): boolean {
  return (
    run.status?.phase === 'Succeeded' ||
    run.status?.phase === 'Failed' ||
    run.metadata.deletionTimestamp !== undefined ||
    run.status?.conditions?.some((c) => c.type === conditionTypes.resultRecorded && c.status === 'True') ===
      true
  );
}

/** A child of `parent`: it names the parent and carries its uid as owner (not a namesake's). */
export function isOwnedBy(run: AgentRun, parent: AgentRun): boolean {
  return (
    run.spec.parent?.runName === parent.metadata.name &&
    (run.metadata.ownerReferences ?? []).some((owner) => owner.uid === parent.metadata.uid)
  );
}

/**
 * Who stops a sub-agent nobody waits for, as the cancel mark names it (`cancelled by …`): its parent
 * has ended, or is gone (deleted, or replaced by a run of the same name). Undefined while the parent
 * waits, and for a run that is no sub-agent. `parent` is the run of the parent's name, if any.
 */
export function whyNobodyWaits(child: AgentRun, parent: AgentRun | undefined): string | undefined {
  const parentName = child.spec.parent?.runName;
  if (parentName === undefined) return undefined;
  if (!parent || !isOwnedBy(child, parent)) return `parent run ${parentName}, which is gone`;
  if (hasEnded(parent)) return `parent run ${parentName}, which ended`;
  return undefined;
}
