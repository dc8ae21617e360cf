// The single wrapper around @kubernetes/client-node: loads a kubeconfig once and hands out typed
// API handles plus server-side apply with an explicit field manager per writer. Other components
// import Kubernetes types and clients from here, never from the library.
import {
  AppsV1Api,
  ApiextensionsV1Api,
  AuthenticationV1Api,
  AuthorizationV1Api,
  BatchV1Api,
  CoordinationV1Api,
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  KubernetesObjectApi,
  NetworkingV1Api,
  PatchStrategy,
  RbacAuthorizationV1Api,
  loadYaml,
  setHeaderOptions,
  type KubernetesObject,
} from '@kubernetes/client-node';
import { toKubeError } from './kube-error.ts';

export class KubeClient {
  readonly config: KubeConfig;
  readonly core: CoreV1Api;
  readonly apps: AppsV1Api;
  readonly batch: BatchV1Api;
  readonly rbac: RbacAuthorizationV1Api;
  readonly networking: NetworkingV1Api;
  readonly coordination: CoordinationV1Api;
  readonly apiextensions: ApiextensionsV1Api;
  readonly authentication: AuthenticationV1Api;
  readonly authorization: AuthorizationV1Api;
  readonly customObjects: CustomObjectsApi;
  readonly objects: KubernetesObjectApi;

  constructor(config: KubeConfig) {
    this.config = config;
    this.core = config.makeApiClient(CoreV1Api);
    this.apps = config.makeApiClient(AppsV1Api);
    this.batch = config.makeApiClient(BatchV1Api);
    this.rbac = config.makeApiClient(RbacAuthorizationV1Api);
    this.networking = config.makeApiClient(NetworkingV1Api);
    this.coordination = config.makeApiClient(CoordinationV1Api);
    this.apiextensions = config.makeApiClient(ApiextensionsV1Api);
    this.authentication = config.makeApiClient(AuthenticationV1Api);
    this.authorization = config.makeApiClient(AuthorizationV1Api);
    this.customObjects = config.makeApiClient(CustomObjectsApi);
    this.objects = KubernetesObjectApi.makeApiClient(config);
  }

  static fromKubeconfigFile(file: string): KubeClient {
    const config = new KubeConfig();
    config.loadFromFile(file);
    return new KubeClient(config);
  }

  /** In-cluster service account when running in a pod, else $KUBECONFIG or ~/.kube/config. */
  static fromDefaultConfig(): KubeClient {
    const config = new KubeConfig();
    config.loadFromDefault();
    return new KubeClient(config);
  }

  get server(): string {
    return this.config.getCurrentCluster()?.server ?? '';
  }

  /**
   * Server-side apply of a manifest in wire format (as in YAML): `fieldManager` names the writer,
   * so each writer owns only its fields.
   */
  async apply<T extends KubernetesObject>(manifest: T, fieldManager: string, force = true): Promise<T> {
    try {
      return await this.objects.patch(
        toClientModel(manifest),
        undefined,
        undefined,
        fieldManager,
        force,
        PatchStrategy.ServerSideApply,
      );
    } catch (error) {
      throw toKubeError(error);
    }
  }

  /** Server-side apply of a custom resource's status subresource (the controller's one write). */
  async applyStatus<T extends KubernetesObject>(
    resource: CustomResource,
    manifest: T,
    fieldManager: string,
  ): Promise<T> {
    const { name, namespace } = manifest.metadata ?? {};
    if (!name || !namespace) throw new Error('applyStatus needs metadata.name and metadata.namespace');
    try {
      return (await this.customObjects.patchNamespacedCustomObjectStatus(
        { ...resource, namespace, name, body: manifest, fieldManager, force: true },
        setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply),
      )) as T;
    } catch (error) {
      throw toKubeError(error);
    }
  }
}

export interface CustomResource {
  group: string;
  version: string;
  plural: string;
}

/**
 * The client serialises built-in kinds through its generated models, which know fields by their
 * TypeScript names (xKubernetesValidations) and drop wire names (x-kubernetes-validations). Loading
 * the manifest through the library's own YAML loader (JSON is YAML) converts it to model form.
 */
function toClientModel<T extends KubernetesObject>(manifest: T): T {
  return loadYaml<T>(JSON.stringify(manifest));
}

export type {
  KubernetesObject,
  V1ConfigMap,
  V1CustomResourceDefinition,
  V1Job,
  V1Namespace,
  V1Pod,
  V1Service,
  V1ServiceAccount,
} from '@kubernetes/client-node';
