// Informers: one list + watch per resource type, kept in a local cache, as client-go's reflector
// does it. Lists come in pages (500 objects each by default, with continue tokens), so a large
// collection never arrives, nor is decoded, as one response. Each object passes through an optional
// projection before it is cached (client-go's transform), so the cache holds only what its readers
// use. The first list must succeed before the informer counts as synced (readiness means every
// cache has listed). The watch asks for bookmarks, so even a quiet watch keeps an up-to-date
// resourceVersion and resumes from it after the server closes the watch, without relisting; a
// 410 Gone (the resourceVersion was compacted) relists once. Failures of list or watch are retried
// with exponential backoff that only a working watch resets. Handlers receive add/update/delete
// events.
import { Watch, type KubeConfig, type KubernetesObject } from '@kubernetes/client-node';
import { setTimeout as sleep } from 'node:timers/promises';
import { Backoff } from './backoff.ts';
import type { KubeClient } from './kube-client.ts';
import { KubeApiError, toKubeError } from './kube-error.ts';

export interface ResourceType {
  apiVersion: string;
  kind: string;
  plural: string;
}

export type InformerEvent = 'add' | 'update' | 'delete';
/** `previous` is the cached object an update replaces (undefined for add and delete). */
export type InformerHandler<T> = (event: InformerEvent, object: T, previous?: T) => void;

export interface InformerOptions {
  /** Lists and watches only this namespace (what a user with a namespace's rights may do); all when absent. */
  namespace?: string;
  labelSelector?: string;
  /** Retry delays after list or watch failures: base doubling up to max (client-go: 800 ms, 30 s). */
  retryBaseMs?: number;
  retryMaxMs?: number;
  /** How long the server keeps one watch open; client-go picks 5 to 10 minutes at random. */
  watchTimeoutSeconds?: number;
  onError?: (error: unknown, retryInMs: number) => void;
  /** Observes every successful list (the first one and each relist). */
  onListed?: (items: number) => void;
  /**
   * Secondary indexes, by name: each maps an object to one value (or none), and `byIndex` answers
   * the objects of a namespace with that value without scanning the cache (client-go's Indexers).
   */
  indexes?: Record<string, (object: KubernetesObject) => string | undefined>;
  /** Objects per list request (client-go's reflector: 500); the rest follows with continue tokens. */
  pageSize?: number;
  /**
   * What the cache keeps of each object (after managedFields are dropped): every handler and reader
   * sees only this. It must keep metadata.name, namespace and resourceVersion, and whatever the
   * indexes and readers use.
   */
  transform?: (object: KubernetesObject) => KubernetesObject;
}

/** A page of a list: core kinds come as the client's models (`_continue`), others as JSON. */
interface ListPage {
  items: KubernetesObject[];
  metadata?: { resourceVersion?: string; _continue?: string; continue?: string };
}

export function resourcePath(type: ResourceType, namespace?: string): string {
  const scope = namespace ? `namespaces/${encodeURIComponent(namespace)}/` : '';
  return type.apiVersion === 'v1'
    ? `/api/v1/${scope}${type.plural}`
    : `/apis/${type.apiVersion}/${scope}${type.plural}`;
}

/**
 * What the cache keeps of an object: everything but metadata.managedFields, which the controllers
 * never read and which is often the larger part of an object (client-go's informers drop it too).
 */
export function stripForCache(object: KubernetesObject): KubernetesObject {
  if (object.metadata?.managedFields) delete object.metadata.managedFields;
  return object;
}

export function objectKey(object: { metadata?: { namespace?: string; name?: string } }): string {
  return `${object.metadata?.namespace ?? ''}/${object.metadata?.name ?? ''}`;
}

/**
 * How long a watch may stay silent before the client drops it as a dead connection. The server
 * sends a bookmark about once a minute, so a quiet but healthy watch stays under this.
 */
const watchSilenceLimitMs = 90_000;

/**
 * The client's Watch, with its silence limit raised from the built-in 30 s (which would cut every
 * quiet watch before its first bookmark). The limit is a field its types keep private; this fails
 * loudly should a new client version drop it.
 */
export function watchWithSilenceLimit(config: KubeConfig, limitMs: number): Watch {
  const watch = new Watch(config);
  const fields = watch as unknown as { requestTimeoutMs?: unknown };
  if (typeof fields.requestTimeoutMs !== 'number') {
    throw new Error('the Kubernetes client Watch no longer has requestTimeoutMs');
  }
  fields.requestTimeoutMs = limitMs;
  return watch;
}

/** A watch shorter than this that delivered nothing counts as a failure, so it cannot spin. */
const minHealthyWatchMs = 1_000;

interface WatchEnd {
  error: unknown;
  /** The resourceVersion is gone from the server's history (410): relist. */
  expired: boolean;
  /** Events received, bookmarks included. */
  events: number;
  durationMs: number;
}

/** A watch ERROR event's Status as an error. */
function statusError(status: { code?: number; reason?: string; message?: string }): KubeApiError {
  return new KubeApiError(status.code ?? 0, status.reason ?? '', status.message ?? 'watch error', status);
}

/** The client's Watch fails a refused request with a plain Error carrying `statusCode`. */
function watchError(error: unknown): unknown {
  const status = (error as { statusCode?: unknown } | undefined)?.statusCode;
  if (!(error instanceof Error) || typeof status !== 'number') return error;
  return new KubeApiError(status, error.message.replace(/\s+/g, ''), `watch: ${error.message}`, error);
}

const isGone = (error: unknown): boolean => error instanceof KubeApiError && error.status === 410;

/**
 * T is the object type as K8sClaw reads it. Note the client returns core kinds (pods, ConfigMaps)
 * from a list as its models (timestamps as Date) but from a watch as JSON (timestamps as strings):
 * read timestamps with `new Date(value)`, which accepts both.
 */
export class ResourceInformer<T extends object> {
  readonly type: ResourceType;
  private readonly kube: KubeClient;
  private readonly watcher: Watch;
  private readonly options: InformerOptions;
  private readonly watchTimeoutSeconds: number;
  private readonly backoff: Backoff;
  private readonly handlers: InformerHandler<T>[] = [];
  /** namespace → name → object */
  private cache = new Map<string, Map<string, KubernetesObject>>();
  /** index name → `namespace/value` → name → object */
  private indexed = new Map<string, Map<string, Map<string, KubernetesObject>>>();
  private resourceVersion = '';
  private synced = false;
  private running: Promise<void> | undefined;
  private stopping: AbortController | undefined;
  private request: AbortController | undefined;
  private syncWaiters: (() => void)[] = [];

  constructor(kube: KubeClient, type: ResourceType, options: InformerOptions = {}) {
    this.type = type;
    this.kube = kube;
    this.options = options;
    // 5 to 10 minutes at random, so that the watches of many replicas do not reconnect together
    this.watchTimeoutSeconds = options.watchTimeoutSeconds ?? Math.round(300 * (1 + Math.random()));
    this.watcher = watchWithSilenceLimit(kube.config, watchSilenceLimitMs);
    this.backoff = new Backoff({
      baseMs: options.retryBaseMs ?? 800,
      maxMs: options.retryMaxMs ?? 30_000,
      jitter: 0.2,
    });
  }

  /** Adds a handler; returns what removes it again. */
  on(handler: InformerHandler<T>): () => void {
    this.handlers.push(handler);
    return () => {
      const index = this.handlers.indexOf(handler);
      if (index >= 0) this.handlers.splice(index, 1);
    };
  }

  /** True once the first list has filled the cache; stays true across relists. */
  get hasSynced(): boolean {
    return this.synced;
  }

  /** The resourceVersion the informer has seen up to (client-go's LastSyncResourceVersion). */
  get lastSyncResourceVersion(): string {
    return this.resourceVersion;
  }

  /**
   * Starts listing and watching, and resolves once the first list has filled the cache (retrying a
   * failing list with backoff), or once the informer is stopped: check `hasSynced`.
   */
  async start(): Promise<void> {
    if (!this.running) {
      const stopping = new AbortController();
      this.stopping = stopping;
      this.running = this.loop(stopping.signal);
    }
    if (this.synced || this.stopping?.signal.aborted) return;
    await new Promise<void>((resolve) => this.syncWaiters.push(resolve));
  }

  async stop(): Promise<void> {
    this.stopping?.abort();
    this.request?.abort();
    this.releaseSyncWaiters();
    await this.running;
    this.running = undefined;
  }

  get(namespace: string, name: string): T | undefined {
    return this.cache.get(namespace)?.get(name) as T | undefined;
  }

  /** The cached objects of `namespace` whose index `index` has `value`. */
  byIndex(index: string, namespace: string, value: string): readonly T[] {
    if (!this.options.indexes?.[index])
      throw new Error(`informer of ${this.type.plural} has no index ${index}`);
    return [...(this.indexed.get(index)?.get(`${namespace}/${value}`)?.values() ?? [])] as T[];
  }

  /** How many cached objects of `namespace` have `value` in index `index` (no copy, no scan). */
  countByIndex(index: string, namespace: string, value: string): number {
    if (!this.options.indexes?.[index])
      throw new Error(`informer of ${this.type.plural} has no index ${index}`);
    return this.indexed.get(index)?.get(`${namespace}/${value}`)?.size ?? 0;
  }

  list(namespace?: string): readonly T[] {
    if (namespace) return [...(this.cache.get(namespace)?.values() ?? [])] as T[];
    return [...this.cache.values()].flatMap((objects) => [...objects.values()]) as T[];
  }

  private async loop(stop: AbortSignal): Promise<void> {
    while (!stop.aborted) {
      try {
        const listed = !this.resourceVersion;
        if (listed) await this.relist();
        if (stop.aborted) break;
        const end = await this.watchOnce();
        if (stop.aborted) break;
        const healthy = end.events > 0 || (!end.error && end.durationMs >= minHealthyWatchMs);
        if (healthy) this.backoff.reset();
        if (end.expired || isGone(end.error)) {
          // the resourceVersion was compacted away: relist at once, unless it came from a list
          // just now (then something is wrong with the server, and retrying waits its turn)
          this.resourceVersion = '';
          if (!listed || healthy) continue;
          throw end.error ?? new KubeApiError(410, 'Expired', 'resourceVersion expired', undefined);
        }
        if (end.error) throw end.error;
        // a normal end of the watch (the server's timeout): resume from the last resourceVersion
        if (!healthy) throw new Error(`watch of ${this.type.plural} ended at once without events`);
      } catch (error) {
        if (stop.aborted) break;
        const delay = this.backoff.next();
        this.options.onError?.(toKubeError(error), delay);
        await sleep(delay, undefined, { signal: stop }).catch(() => undefined);
      }
    }
  }

  /** The cached form of an object as it came from the server. */
  private project(object: KubernetesObject): KubernetesObject {
    const stripped = stripForCache(object);
    return this.options.transform ? this.options.transform(stripped) : stripped;
  }

  /**
   * One page of the list. Kinds of a named group are read as plain JSON (as the watch delivers
   * them); the generic list of the client would decode a custom kind's list metadata as an
   * object's and lose its continue token. Core kinds come as the client's models.
   */
  private async listPage(continueToken: string | undefined): Promise<ListPage> {
    const { type, options } = this;
    const limit = options.pageSize ?? 500;
    const [group, version] = type.apiVersion.split('/');
    if (group && version) {
      const query = {
        group,
        version,
        plural: type.plural,
        limit,
        ...(options.labelSelector ? { labelSelector: options.labelSelector } : {}),
        ...(continueToken ? { _continue: continueToken } : {}),
      };
      // a namespaced informer lists its namespace only: a user may have no rights beyond it
      return (await (options.namespace
        ? this.kube.customObjects.listNamespacedCustomObject({ ...query, namespace: options.namespace })
        : this.kube.customObjects.listClusterCustomObject(query))) as ListPage;
    }
    return (await this.kube.objects.list(
      type.apiVersion,
      type.kind,
      options.namespace,
      undefined,
      undefined,
      undefined,
      undefined,
      options.labelSelector,
      limit,
      continueToken,
    )) as ListPage;
  }

  /**
   * Lists every object, page by page; all pages belong to the snapshot of the first. A continue
   * token that expired midway (410) fails the list, which the loop retries from the beginning.
   */
  private async relist(): Promise<void> {
    const fresh = new Map<string, Map<string, KubernetesObject>>();
    let listed = 0;
    let resourceVersion: string;
    let continueToken: string | undefined;
    do {
      const page = await this.listPage(continueToken);
      for (const object of page.items) {
        const namespace = object.metadata?.namespace ?? '';
        let objects = fresh.get(namespace);
        if (!objects) fresh.set(namespace, (objects = new Map()));
        objects.set(object.metadata?.name ?? '', this.project(object));
      }
      listed += page.items.length;
      resourceVersion = page.metadata?.resourceVersion ?? '';
      continueToken = page.metadata?._continue || page.metadata?.continue || undefined;
    } while (continueToken);
    const previous = this.cache;
    this.cache = fresh;
    this.indexed = new Map();
    for (const objects of fresh.values()) for (const object of objects.values()) this.index(object);
    this.resourceVersion = resourceVersion;
    for (const [namespace, objects] of previous) {
      for (const [name, object] of objects) {
        if (!fresh.get(namespace)?.has(name)) this.emit('delete', object);
      }
    }
    for (const [namespace, objects] of fresh) {
      for (const [name, object] of objects) {
        const before = previous.get(namespace)?.get(name);
        if (!before) this.emit('add', object);
        else if (before.metadata?.resourceVersion !== object.metadata?.resourceVersion) {
          this.emit('update', object, before);
        }
      }
    }
    this.options.onListed?.(listed);
    if (!this.synced) {
      this.synced = true;
      this.releaseSyncWaiters();
    }
  }

  private watchOnce(): Promise<WatchEnd> {
    const started = performance.now();
    let events = 0;
    let expired = false;
    let failure: unknown;
    const query: Record<string, string | number | boolean> = {
      resourceVersion: this.resourceVersion,
      allowWatchBookmarks: true,
      timeoutSeconds: this.watchTimeoutSeconds,
    };
    if (this.options.labelSelector) query.labelSelector = this.options.labelSelector;
    return new Promise((resolve) => {
      const end = (error: unknown) => {
        this.request = undefined;
        // a silent connection cut by the client: resume from the last resourceVersion
        if (error instanceof Error && error.name === 'TimeoutError' && events > 0) error = undefined;
        resolve({
          error: failure ?? watchError(error),
          expired,
          events,
          durationMs: performance.now() - started,
        });
      };
      const onEvent = (phase: string, object: KubernetesObject & { code?: number }) => {
        if (phase === 'ERROR') {
          if (object.code === 410) expired = true;
          else failure = statusError(object);
          return;
        }
        events++;
        this.apply(phase, object);
        const version = object.metadata?.resourceVersion;
        if (version) this.resourceVersion = version;
      };
      this.watcher
        .watch(resourcePath(this.type, this.options.namespace), query, onEvent, end)
        .then((request) => {
          this.request = request;
          if (this.stopping?.signal.aborted) request.abort();
        }, end);
    });
  }

  private apply(phase: string, received: KubernetesObject): void {
    // BOOKMARK carries only the resourceVersion
    if (phase !== 'ADDED' && phase !== 'MODIFIED' && phase !== 'DELETED') return;
    const object = this.project(received);
    const namespace = object.metadata?.namespace ?? '';
    const name = object.metadata?.name ?? '';
    const objects = this.cache.get(namespace);
    const before = objects?.get(name);
    if (phase === 'DELETED') {
      if (!before || !objects) return;
      objects.delete(name);
      if (objects.size === 0) this.cache.delete(namespace);
      this.unindex(before);
      this.emit('delete', object);
    } else {
      if (before?.metadata?.resourceVersion === object.metadata?.resourceVersion && before) return;
      if (objects) objects.set(name, object);
      else this.cache.set(namespace, new Map([[name, object]]));
      if (before) this.unindex(before);
      this.index(object);
      this.emit(before ? 'update' : 'add', object, before);
    }
  }

  private index(object: KubernetesObject): void {
    for (const [index, valueOf] of Object.entries(this.options.indexes ?? {})) {
      const value = valueOf(object);
      if (value === undefined) continue;
      let buckets = this.indexed.get(index);
      if (!buckets) this.indexed.set(index, (buckets = new Map()));
      const bucketKey = `${object.metadata?.namespace ?? ''}/${value}`;
      let bucket = buckets.get(bucketKey);
      if (!bucket) buckets.set(bucketKey, (bucket = new Map()));
      bucket.set(object.metadata?.name ?? '', object);
    }
  }

  private unindex(object: KubernetesObject): void {
    for (const [index, valueOf] of Object.entries(this.options.indexes ?? {})) {
      const value = valueOf(object);
      if (value === undefined) continue;
      const buckets = this.indexed.get(index);
      const bucketKey = `${object.metadata?.namespace ?? ''}/${value}`;
      const bucket = buckets?.get(bucketKey);
      bucket?.delete(object.metadata?.name ?? '');
      if (bucket?.size === 0) buckets?.delete(bucketKey);
    }
  }

  private emit(event: InformerEvent, object: KubernetesObject, previous?: KubernetesObject): void {
    for (const handler of this.handlers)
      handler(event, object as unknown as T, previous as unknown as T | undefined);
  }

  private releaseSyncWaiters(): void {
    for (const resolve of this.syncWaiters.splice(0)) resolve();
  }
}
