// The secondary indexes of the controller's caches: reconcilers look up "the runs of an instance" or
// "the pods of a run" by index instead of scanning a namespace, which made a burst of runs cost
// quadratic time. Jobs are also indexed by instance while unfinished: admission counts them.
import { labels, type AgentRun } from '../api/index.ts';
import type { V1Job } from '../kube/index.ts';

type Indexer = (object: object) => string | undefined;

const label =
  (key: string): Indexer =>
  (object) =>
    (object as { metadata?: { labels?: Record<string, string> } }).metadata?.labels?.[key];

/** Index names, shared by the informers that build them and the reconcilers that read them. */
export const byInstance = 'instance';
export const byRun = 'run';
export const byInstanceUnfinished = 'instance-unfinished';
export const byParent = 'parent';

/** A Job is finished once it has a true Complete or Failed condition. */
export function isJobFinished(job: V1Job): boolean {
  return (job.status?.conditions ?? []).some(
    (c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True',
  );
}

/** AgentRuns by their instance, and sub-agent runs by their parent run. */
export const runIndexes: Record<string, Indexer> = {
  [byInstance]: (run) => (run as AgentRun).spec?.instanceRef,
  [byParent]: (run) => (run as AgentRun).spec?.parent?.runName,
};
/** Objects K8sClaw labels with their instance (Jobs, channel pods). */
export const instanceLabelIndexes: Record<string, Indexer> = { [byInstance]: label(labels.instance) };
/** Agent Jobs by their instance, and by their instance while unfinished. */
export const jobIndexes: Record<string, Indexer> = {
  [byInstance]: label(labels.instance),
  [byInstanceUnfinished]: (job) => (isJobFinished(job as V1Job) ? undefined : label(labels.instance)(job)),
};
/** Agent pods by their run. */
export const runLabelIndexes: Record<string, Indexer> = { [byRun]: label(labels.run) };
