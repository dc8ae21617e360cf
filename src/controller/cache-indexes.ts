// The secondary indexes of the controller's caches: reconcilers look up "the runs of an instance" or
// "the pods of a run" by index instead of scanning a namespace, which made a burst of runs cost
// quadratic time.
import { labels, type AgentRun } from '../api/index.ts';

type Indexer = (object: object) => string | undefined;

const label =
  (key: string): Indexer =>
  (object) =>
    (object as { metadata?: { labels?: Record<string, string> } }).metadata?.labels?.[key];

/** Index names, shared by the informers that build them and the reconcilers that read them. */
export const byInstance = 'instance';
export const byRun = 'run';

/** AgentRuns by their instance. */
export const runIndexes: Record<string, Indexer> = {
  [byInstance]: (run) => (run as AgentRun).spec?.instanceRef,
};
/** Objects K8sClaw labels with their instance (Jobs, channel pods). */
export const instanceLabelIndexes: Record<string, Indexer> = { [byInstance]: label(labels.instance) };
/** Agent pods by their run. */
export const runLabelIndexes: Record<string, Indexer> = { [byRun]: label(labels.run) };
