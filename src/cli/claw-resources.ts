// Reads and writes K8sClaw objects for the CLI's commands through the one Kubernetes client,
// each failure turned into a sentence about what the user asked for (see kube-failure.ts).
import { fieldManagers, resourceOf, type KindDescriptor } from '../api/index.ts';
import type { KubeClient } from '../kube/index.ts';
import { explainKubeFailure, type KubeTarget } from './kube-failure.ts';

interface Named {
  metadata: { name: string; namespace: string; resourceVersion?: string };
}

export class ClawResources {
  readonly kube: KubeClient;

  constructor(kube: KubeClient) {
    this.kube = kube;
  }

  private async call<R>(target: Omit<KubeTarget, 'server'>, action: () => Promise<R>): Promise<R> {
    try {
      return await action();
    } catch (error) {
      throw explainKubeFailure(error, { ...target, server: this.kube.server });
    }
  }

  /** The kind's objects in `namespace`, or in every namespace when it is undefined. */
  async list<T>(kind: KindDescriptor, namespace: string | undefined): Promise<T[]> {
    const objects: T[] = [];
    for await (const page of this.listPages<T>(kind, namespace, 0)) objects.push(...page);
    return objects;
  }

  /**
   * The same objects a page of `chunkSize` at a time (0: all in one), as `kubectl get` reads them,
   * so the first page can be shown while the apiserver still serves the rest.
   */
  async *listPages<T>(
    kind: KindDescriptor,
    namespace: string | undefined,
    chunkSize: number,
  ): AsyncGenerator<T[]> {
    const { group, version, plural } = resourceOf(kind);
    let continueToken: string | undefined;
    do {
      const paging = {
        ...(chunkSize > 0 ? { limit: chunkSize } : {}),
        ...(continueToken ? { _continue: continueToken } : {}),
      };
      const page = (await this.call(
        { verb: 'list', kind, ...(namespace === undefined ? {} : { namespace }) },
        () =>
          namespace === undefined
            ? this.kube.customObjects.listClusterCustomObject({ group, version, plural, ...paging })
            : this.kube.customObjects.listNamespacedCustomObject({
                group,
                version,
                plural,
                namespace,
                ...paging,
              }),
      )) as { items: T[]; metadata?: { continue?: string } };
      continueToken = page.metadata?.continue || undefined;
      yield page.items;
    } while (continueToken);
  }

  async get<T>(kind: KindDescriptor, name: string, namespace: string): Promise<T> {
    const { group, version, plural } = resourceOf(kind);
    return (await this.call({ verb: 'get', kind, name, namespace }, () =>
      this.kube.customObjects.getNamespacedCustomObject({ group, version, plural, namespace, name }),
    )) as T;
  }

  async create<T extends Named>(kind: KindDescriptor, object: T): Promise<T> {
    const { group, version, plural } = resourceOf(kind);
    const { namespace } = object.metadata;
    return (await this.call({ verb: 'create', kind, namespace }, () =>
      this.kube.customObjects.createNamespacedCustomObject({
        group,
        version,
        plural,
        namespace,
        body: object,
        fieldManager: fieldManagers.cli,
      }),
    )) as T;
  }

  async delete(kind: KindDescriptor, name: string, namespace: string): Promise<void> {
    const { group, version, plural } = resourceOf(kind);
    await this.call({ verb: 'delete', kind, name, namespace }, () =>
      this.kube.customObjects.deleteNamespacedCustomObject({ group, version, plural, namespace, name }),
    );
  }

  /** Server-side apply as the CLI's field manager: the CLI owns exactly the fields it sends. */
  async apply<T extends Named>(kind: KindDescriptor, object: T): Promise<T> {
    const { name, namespace } = object.metadata;
    return await this.call({ verb: 'patch', kind, name, namespace }, () =>
      this.kube.apply(object as never, fieldManagers.cli),
    );
  }
}
