// Informers: one list + watch per resource type, kept in a local cache. The client library lists,
// watches from the listed resourceVersion and re-lists after 410 Gone; it stops on any other watch
// error, so this wrapper restarts it with backoff. Handlers receive add/update/delete events.
import {
  makeInformer,
  type Informer,
  type KubernetesObject,
  type ObjectCache,
} from '@kubernetes/client-node';
import type { KubeClient } from './kube-client.ts';

export interface ResourceType {
  apiVersion: string;
  kind: string;
  plural: string;
}

export type InformerEvent = 'add' | 'update' | 'delete';
export type InformerHandler<T> = (event: InformerEvent, object: T) => void;

export interface InformerOptions {
  labelSelector?: string;
  /** Restart delays after watch errors: base doubling up to max. */
  restartBaseMs?: number;
  restartMaxMs?: number;
  onError?: (error: unknown, retryInMs: number) => void;
}

export function resourcePath(type: ResourceType): string {
  return type.apiVersion === 'v1' ? `/api/v1/${type.plural}` : `/apis/${type.apiVersion}/${type.plural}`;
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
 * T is the object type as K8sClaw reads it. Note the client returns built-in kinds from a list as
 * its models (timestamps as Date) but from a watch as JSON (timestamps as strings): read
 * timestamps with `new Date(value)`, which accepts both.
 */
export class ResourceInformer<T extends object> {
  readonly type: ResourceType;
  private readonly informer: Informer<KubernetesObject> & ObjectCache<KubernetesObject>;
  private readonly handlers: InformerHandler<T>[] = [];
  private readonly options: InformerOptions;
  private stopped = false;
  private restartDelayMs: number;

  constructor(kube: KubeClient, type: ResourceType, options: InformerOptions = {}) {
    this.type = type;
    this.options = options;
    this.restartDelayMs = options.restartBaseMs ?? 500;
    const list = async () => {
      const result = await kube.objects.list(
        type.apiVersion,
        type.kind,
        undefined,
        undefined,
        undefined,
        undefined,
        undefined,
        options.labelSelector,
      );
      result.items.forEach(stripForCache);
      return result;
    };
    this.informer = makeInformer<KubernetesObject>(
      kube.config,
      resourcePath(type),
      list,
      options.labelSelector,
    );
    // the cache holds the very objects handed to these handlers, so stripping here shrinks the cache
    this.informer.on('add', (object) => this.emit('add', stripForCache(object) as unknown as T));
    this.informer.on('update', (object) => this.emit('update', stripForCache(object) as unknown as T));
    this.informer.on('delete', (object) => this.emit('delete', object as unknown as T));
    this.informer.on('connect', () => (this.restartDelayMs = options.restartBaseMs ?? 500));
    this.informer.on('error', (error) => this.scheduleRestart(error));
  }

  on(handler: InformerHandler<T>): void {
    this.handlers.push(handler);
  }

  /** Lists, starts watching, and resolves once the cache holds the listed objects. */
  async start(): Promise<void> {
    this.stopped = false;
    await this.informer.start();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.informer.stop();
  }

  get(namespace: string, name: string): T | undefined {
    return this.informer.get(name, namespace || undefined) as T | undefined;
  }

  list(namespace?: string): readonly T[] {
    return this.informer.list(namespace) as readonly T[];
  }

  private emit(event: InformerEvent, object: T): void {
    for (const handler of this.handlers) handler(event, object);
  }

  private scheduleRestart(error: unknown): void {
    if (this.stopped) return;
    const delay = this.restartDelayMs;
    this.restartDelayMs = Math.min(delay * 2, this.options.restartMaxMs ?? 30_000);
    this.options.onError?.(error, delay);
    setTimeout(() => {
      if (!this.stopped) this.informer.start().catch((e: unknown) => this.scheduleRestart(e));
    }, delay).unref();
  }
}
