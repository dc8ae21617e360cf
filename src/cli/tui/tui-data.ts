// The TUI's live data: one informer (list + watch, reconnecting with backoff) per resource a view
// shows, started the first time a view needs it, and what each view shows of it: its objects,
// whether the first list arrived, and the last failure as a sentence (a forbidden list is a
// message in the view, not a crash). Listeners hear of every change; nothing polls.
import { labels, labelValues } from '../../api/index.ts';
import { ResourceInformer, type KubeClient, type ResourceType } from '../../kube/index.ts';
import { explainKubeFailure } from '../kube-failure.ts';
import type { TuiObject } from './tui-views.ts';

export interface ResourceSnapshot {
  objects: readonly TuiObject[];
  synced: boolean;
  /** Why the last list or watch failed, until one succeeds again. */
  error: string | undefined;
}

/** What the views read: TuiData on a cluster, or a fixed set of objects. */
export interface TuiSource {
  subscribe(listener: () => void): () => void;
  watch(resource: ResourceType): void;
  snapshot(resource: ResourceType): ResourceSnapshot;
}

interface Watched {
  informer: ResourceInformer<TuiObject>;
  error: string | undefined;
}

/** Only K8sClaw's own pods: agent runs, channels, the controller and the API server. */
const ourPods = `${labels.partOf}=${labelValues.partOf}`;

export class TuiData implements TuiSource {
  private readonly kube: KubeClient;
  private readonly watched = new Map<string, Watched>();
  private readonly listeners = new Set<() => void>();
  private readonly retryBaseMs: number | undefined;

  constructor(kube: KubeClient, options: { retryBaseMs?: number } = {}) {
    this.kube = kube;
    this.retryBaseMs = options.retryBaseMs;
  }

  /** Calls `listener` after every change of any watched resource; returns the unsubscribe. */
  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Starts watching `resource` unless it is watched already (does not wait for the first list). */
  watch(resource: ResourceType): void {
    if (this.watched.has(resource.plural)) return;
    const changed = () => {
      for (const listener of this.listeners) listener();
    };
    const entry: Watched = {
      error: undefined,
      informer: new ResourceInformer<TuiObject>(this.kube, resource, {
        ...(resource.plural === 'pods' ? { labelSelector: ourPods } : {}),
        ...(this.retryBaseMs === undefined ? {} : { retryBaseMs: this.retryBaseMs }),
        onError: (error) => {
          const explained = explainKubeFailure(error, {
            verb: 'list',
            kind: { singular: resource.kind.toLowerCase(), plural: resource.plural },
            server: this.kube.server,
          });
          entry.error = explained instanceof Error ? explained.message : String(explained);
          changed();
        },
        onListed: () => {
          entry.error = undefined;
          changed();
        },
      }),
    };
    entry.informer.on(changed);
    this.watched.set(resource.plural, entry);
    void entry.informer.start();
  }

  snapshot(resource: ResourceType): ResourceSnapshot {
    const entry = this.watched.get(resource.plural);
    if (!entry) return { objects: [], synced: false, error: undefined };
    return { objects: entry.informer.list(), synced: entry.informer.hasSynced, error: entry.error };
  }

  async stop(): Promise<void> {
    await Promise.all([...this.watched.values()].map((w) => w.informer.stop()));
    this.watched.clear();
    this.listeners.clear();
  }
}
