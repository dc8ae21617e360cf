// The TUI's live data: one informer (list + watch, reconnecting with backoff) per resource a view
// shows, started the first time a view needs it, scoped to the namespace shown (one namespace, or
// all), so a user whose rights end at a namespace can watch it; switching the namespace replaces
// the informer. Each view reads its objects, whether the first list arrived, and the last failure
// as a sentence (a forbidden list is a message in the view, not a crash). Listeners hear of every
// change; nothing polls. A run's details also follow the run's event stream from the K8sClaw API
// server here, each stream with its own connection, ended by its stop (or by stop()).
import { labels, labelValues } from '../../api/index.ts';
import { ResourceInformer, type KubeClient, type ResourceType } from '../../kube/index.ts';
import type { ApiServerConnection } from '../apiserver-connection.ts';
import { openEventStream } from '../event-stream-client.ts';
import { explainKubeFailure } from '../kube-failure.ts';
import type { RunFeedUpdate } from './run-event-log.ts';
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
  /** Watches `resource` in `namespace` (all namespaces when undefined). */
  watch(resource: ResourceType, namespace: string | undefined): void;
  snapshot(resource: ResourceType, namespace: string | undefined): ResourceSnapshot;
  /**
   * Follows a run's event stream from the API server (stored events first, then new ones), telling
   * `listener` each update; returns the stop, which ends the stream and its connection.
   */
  followRunEvents(
    run: { namespace: string; name: string },
    listener: (update: RunFeedUpdate) => void,
  ): () => void;
}

interface Watched {
  namespace: string | undefined;
  informer: ResourceInformer<TuiObject>;
  error: string | undefined;
}

/** Only K8sClaw's own pods: agent runs, channels, the controller and the API server. */
const ourPods = `${labels.partOf}=${labelValues.partOf}`;

export class TuiData implements TuiSource {
  private readonly kube: KubeClient;
  private readonly watched = new Map<string, Watched>();
  private readonly listeners = new Set<() => void>();
  /** Informers replaced by a namespace switch, still shutting down. */
  private readonly stopping = new Set<Promise<void>>();
  private readonly retryBaseMs: number | undefined;
  private readonly connectApiServer: (() => Promise<ApiServerConnection>) | undefined;
  /** The stops of the run event streams followed now. */
  private readonly feeds = new Set<() => void>();

  constructor(
    kube: KubeClient,
    options: {
      retryBaseMs?: number;
      /** How to reach the API server for run events (a new connection for each run followed). */
      connectApiServer?: () => Promise<ApiServerConnection>;
    } = {},
  ) {
    this.kube = kube;
    this.retryBaseMs = options.retryBaseMs;
    this.connectApiServer = options.connectApiServer;
  }

  /** Calls `listener` after every change of any watched resource; returns the unsubscribe. */
  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Starts watching `resource` in `namespace` unless it is watched there already (does not wait for
   * the first list); an informer of the same resource in another namespace is stopped.
   */
  watch(resource: ResourceType, namespace: string | undefined): void {
    const previous = this.watched.get(resource.plural);
    if (previous && previous.namespace === namespace) return;
    if (previous) {
      const stopped = previous.informer.stop().finally(() => this.stopping.delete(stopped));
      this.stopping.add(stopped);
    }
    const changed = () => {
      // a replaced informer's last words are not news
      if (this.watched.get(resource.plural) !== entry) return;
      for (const listener of this.listeners) listener();
    };
    const entry: Watched = {
      namespace,
      error: undefined,
      informer: new ResourceInformer<TuiObject>(this.kube, resource, {
        ...(namespace ? { namespace } : {}),
        ...(resource.plural === 'pods' ? { labelSelector: ourPods } : {}),
        ...(this.retryBaseMs === undefined ? {} : { retryBaseMs: this.retryBaseMs }),
        onError: (error) => {
          const explained = explainKubeFailure(error, {
            verb: 'list',
            kind: { singular: resource.kind.toLowerCase(), plural: resource.plural },
            ...(namespace ? { namespace } : {}),
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

  snapshot(resource: ResourceType, namespace: string | undefined): ResourceSnapshot {
    const entry = this.watched.get(resource.plural);
    if (!entry || entry.namespace !== namespace) return { objects: [], synced: false, error: undefined };
    return { objects: entry.informer.list(), synced: entry.informer.hasSynced, error: entry.error };
  }

  followRunEvents(
    run: { namespace: string; name: string },
    listener: (update: RunFeedUpdate) => void,
  ): () => void {
    let stopped = false;
    let stream: { close(): void } | undefined;
    let connection: ApiServerConnection | undefined;
    const tell = (update: RunFeedUpdate) => {
      if (!stopped) listener(update);
    };
    const stop = () => {
      if (stopped) return;
      stopped = true;
      this.feeds.delete(stop);
      stream?.close();
      void connection?.forward?.close();
    };
    this.feeds.add(stop);
    tell({ type: 'connecting' });
    if (!this.connectApiServer) {
      tell({ type: 'unavailable', reason: 'no K8sClaw API server to ask' });
      return stop;
    }
    this.connectApiServer().then(
      (connected) => {
        connection = connected;
        if (stopped) return void connected.forward?.close();
        const path = `/api/v1/namespaces/${encodeURIComponent(run.namespace)}/runs/${encodeURIComponent(run.name)}/events/watch`;
        stream = openEventStream(connected, path, {
          onOpen: () => tell({ type: 'open' }),
          onEvent: (event) => tell({ type: 'event', event }),
          onEnd: ({ opened, reason }) => {
            tell(opened ? { type: 'ended', reason } : { type: 'unavailable', reason });
            // the stream is over: so is its port-forward
            void connected.forward?.close();
          },
        });
      },
      (error: unknown) => tell({ type: 'unavailable', reason: (error as Error).message }),
    );
    return stop;
  }

  async stop(): Promise<void> {
    for (const stop of [...this.feeds]) stop();
    await Promise.all([...this.watched.values()].map((w) => w.informer.stop()));
    await Promise.all(this.stopping);
    this.watched.clear();
    this.listeners.clear();
  }
}
