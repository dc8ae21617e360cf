// The single wrapper around @kubernetes/client-node: loads a kubeconfig once and hands out typed
// API handles plus server-side apply with an explicit field manager per writer. Other components
// import Kubernetes types and clients from here, never from the library.
import {
  AdmissionregistrationV1Api,
  AppsV1Api,
  ApiextensionsV1Api,
  AuthenticationV1Api,
  AuthorizationV1Api,
  BatchV1Api,
  CoordinationV1Api,
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  NetworkingV1Api,
  RbacAuthorizationV1Api,
  VersionApi,
  type KubernetesObject,
} from '@kubernetes/client-node';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { K8sClawError } from '../api/errors.ts';
import { toKubeError } from './kube-error.ts';
import { reuseConnections } from './reuse-connections.ts';
import { WireObjectApi } from './wire-object-api.ts';

const serviceAccountTokenFile = '/var/run/secrets/kubernetes.io/serviceaccount/token';

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
  readonly objects: WireObjectApi;
  readonly version: VersionApi;
  readonly admissionRegistration: AdmissionregistrationV1Api;

  constructor(config: KubeConfig) {
    this.config = reuseConnections(config);
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
    this.objects = WireObjectApi.forConfig(config);
    this.version = config.makeApiClient(VersionApi);
    this.admissionRegistration = config.makeApiClient(AdmissionregistrationV1Api);
  }

  static fromKubeconfigFile(file: string): KubeClient {
    const config = new KubeConfig();
    config.loadFromFile(file);
    return new KubeClient(config);
  }

  /**
   * The client a user or a pod expects: the kubeconfig at `kubeconfigPath` (the first entry of a
   * KUBECONFIG list), else ~/.kube/config, else the pod's service account. Throws a clear error
   * when there is none of them, instead of silently talking to localhost:8080.
   */
  static load(kubeconfigPath?: string): KubeClient {
    const config = new KubeConfig();
    const file = kubeconfigPath?.split(path.delimiter).find((entry) => entry.length > 0);
    const homeConfig = path.join(os.homedir(), '.kube', 'config');
    if (file) {
      try {
        config.loadFromFile(file);
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        throw new K8sClawError('kube.BadConfig', `cannot load kubeconfig ${file}: ${reason}`, {
          cause: error,
        });
      }
    } else if (existsSync(homeConfig)) config.loadFromFile(homeConfig);
    else if (existsSync(serviceAccountTokenFile)) config.loadFromCluster();
    else {
      throw new K8sClawError(
        'kube.NoConfig',
        'no Kubernetes configuration found: set KUBECONFIG, create ~/.kube/config, or run inside a pod',
      );
    }
    return new KubeClient(config);
  }

  get server(): string {
    return this.config.getCurrentCluster()?.server ?? '';
  }

  /**
   * Server-side apply of a manifest in wire format (as in YAML): `fieldManager` names the writer,
   * so each writer owns only its fields. Sent and answered as JSON, without the library's models.
   */
  async apply<T extends KubernetesObject>(
    manifest: T,
    fieldManager: string,
    options: ApplyOptions = {},
  ): Promise<T> {
    try {
      return await this.objects.applyWire(manifest, { fieldManager, ...options });
    } catch (error) {
      throw toKubeError(error);
    }
  }

  /** Creates an object given in wire format; an existing one is a 409 AlreadyExists error. */
  async create<T extends KubernetesObject>(manifest: T, fieldManager?: string): Promise<T> {
    try {
      return await this.objects.createWire(manifest, fieldManager ? { fieldManager } : {});
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
    const path = [
      '/apis',
      resource.group,
      resource.version,
      'namespaces',
      encodeURIComponent(namespace),
      resource.plural,
      encodeURIComponent(name),
      'status',
    ].join('/');
    try {
      return await this.objects.applyWireAt<T>(path, manifest, { fieldManager, force: true });
    } catch (error) {
      throw toKubeError(error);
    }
  }
}

export interface ApplyOptions {
  /** Take over fields owned by other managers (default true: the writer is authoritative). */
  force?: boolean;
  /** Validate and admit on the server without persisting. */
  dryRun?: boolean;
}

export interface CustomResource {
  group: string;
  version: string;
  plural: string;
}

export type {
  KubernetesObject,
  V1ConfigMap,
  V1CustomResourceDefinition,
  V1Deployment,
  V1Job,
  V1Lease,
  V1Namespace,
  V1NetworkPolicy,
  V1PersistentVolume,
  V1PersistentVolumeClaim,
  V1Pod,
  V1Service,
  V1ServiceAccount,
} from '@kubernetes/client-node';
