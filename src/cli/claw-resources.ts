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
    const { group, version, plural } = resourceOf(kind);
    const list = await this.call(
      { verb: 'list', kind, ...(namespace === undefined ? {} : { namespace }) },
      () =>
        namespace === undefined
          ? this.kube.customObjects.listClusterCustomObject({ group, version, plural })
          : this.kube.customObjects.listNamespacedCustomObject({ group, version, plural, namespace }),
    );
    return (list as { items: T[] }).items;
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
