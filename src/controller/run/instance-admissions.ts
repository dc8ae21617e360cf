// Admission of runs into their instance's `maxConcurrentRuns`, exact under a burst: a run takes its
// slot in the same synchronous step that counts the free ones (no await between the count and the
// reservation, so concurrent workers cannot both take the last slot), and the slot stays taken
// until the Job cache shows the Job. Counting the cache alone lets a worker ahead of its cache, or
// two workers at once, admit one run too many. The run reconciler holds sub-agent admissions (by
// parent, by instance) the same way, with run names for Job names and the runs cache for the Jobs'.

interface Created {
  jobName: string;
  at: number;
}

export class InstanceAdmissions {
  private readonly created = new Map<string, Created[]>();
  private readonly now: () => number;
  private readonly forgetAfterMs: number;

  /**
   * `forgetAfterMs`: a reserved Job the cache still has not shown after this long was deleted
   * before the cache saw it; it no longer holds a slot.
   */
  constructor(options: { now?: () => number; forgetAfterMs?: number } = {}) {
    this.now = options.now ?? Date.now;
    this.forgetAfterMs = options.forgetAfterMs ?? 60_000;
  }

  /** A run of the instance takes a slot for its Job (call it before the Job is created). */
  reserve(instanceKey: string, jobName: string): void {
    const list = this.created.get(instanceKey) ?? [];
    if (!list.some((c) => c.jobName === jobName)) list.push({ jobName, at: this.now() });
    this.created.set(instanceKey, list);
  }

  /** The Job could not be created: its slot is free again. */
  release(instanceKey: string, jobName: string): void {
    const remaining = (this.created.get(instanceKey) ?? []).filter((c) => c.jobName !== jobName);
    if (remaining.length === 0) this.created.delete(instanceKey);
    else this.created.set(instanceKey, remaining);
  }

  /**
   * How many Jobs this controller reserved for the instance that `inCache` does not show yet
   * (besides `except`, the run deciding now). Those the cache shows are its to count from then on.
   */
  unseen(instanceKey: string, inCache: (jobName: string) => boolean, except?: string): number {
    const list = this.created.get(instanceKey);
    if (!list) return 0;
    const cutoff = this.now() - this.forgetAfterMs;
    const remaining = list.filter((c) => c.at > cutoff && !inCache(c.jobName));
    if (remaining.length === 0) this.created.delete(instanceKey);
    else this.created.set(instanceKey, remaining);
    return remaining.filter((c) => c.jobName !== except).length;
  }
}
