// Writes whose bodies and answers stay in wire-format JSON. The client library's generated calls
// convert every body and answer through its models (and its generic object API also through YAML)
// and send them with WHATWG fetch; for the writes a controller makes per run that was most of its
// CPU beside the apiserver's own. These go straight to the connection pool the library's calls use
// (the same dispatcher, credentials and resource discovery), as JSON.
import {
  ApiException,
  HttpMethod,
  KubernetesObjectApi,
  RequestContext,
  type KubeConfig,
  type KubernetesObject,
} from '@kubernetes/client-node';

type Dispatcher = NonNullable<ReturnType<RequestContext['getDispatcher']>>;

export interface WireWriteOptions {
  /** The writer's name, recorded in managedFields. */
  fieldManager?: string;
  /** Server-side apply: take over fields owned by other managers. */
  force?: boolean;
  /** Validate and admit on the server without persisting. */
  dryRun?: boolean;
}

export class WireObjectApi extends KubernetesObjectApi {
  private kubeConfig?: KubeConfig;

  static forConfig(config: KubeConfig): WireObjectApi {
    const api = config.makeApiClient(WireObjectApi);
    api.setDefaultNamespace(config);
    api.kubeConfig = config;
    return api;
  }

  /** Server-side apply of a wire-format manifest; answers the object as the apiserver stored it. */
  async applyWire<T extends KubernetesObject>(manifest: T, options: WireWriteOptions = {}): Promise<T> {
    return this.applyWireAt(await this.specUriPath(copyOf(manifest), 'patch'), manifest, options);
  }

  /** Server-side apply to a path of the caller's (a subresource such as `…/status`). */
  async applyWireAt<T>(path: string, manifest: unknown, options: WireWriteOptions = {}): Promise<T> {
    return this.send<T>('PATCH', path, manifest, 'application/apply-patch+yaml', {
      ...options,
      force: options.force ?? true,
    });
  }

  /** Creates a wire-format object; an existing one answers 409 AlreadyExists. */
  async createWire<T extends KubernetesObject>(manifest: T, options: WireWriteOptions = {}): Promise<T> {
    const path = await this.specUriPath(copyOf(manifest), 'create');
    return this.send<T>('POST', path, manifest, 'application/json', options);
  }

  private async send<T>(
    method: 'PATCH' | 'POST',
    path: string,
    body: unknown,
    contentType: string,
    options: WireWriteOptions,
  ): Promise<T> {
    const config = this.kubeConfig;
    const server = config?.getCurrentCluster()?.server;
    if (!config || !server) throw new Error('WireObjectApi needs a kubeconfig with a current cluster');
    const url = new URL(server.replace(/\/+$/, '') + path);
    if (options.fieldManager) url.searchParams.set('fieldManager', options.fieldManager);
    if (options.force !== undefined && method === 'PATCH')
      url.searchParams.set('force', String(options.force));
    if (options.dryRun) url.searchParams.set('dryRun', 'All');

    // the library's own authentication: its headers (tokens, refreshed as it does) and its dispatcher
    const context = new RequestContext(url.toString(), HttpMethod[method]);
    await config.applySecurityAuthentication(context);
    const dispatcher: Dispatcher | undefined = context.getDispatcher();
    if (!dispatcher) throw new Error(`no connection to ${url.origin} for ${method} ${path}`);
    const response = await dispatcher.request({
      origin: url.origin,
      path: url.pathname + url.search,
      method,
      headers: { ...context.getHeaders(), 'content-type': contentType, accept: 'application/json' },
      body: JSON.stringify(body),
    });
    const text = await response.body.text();
    if (response.statusCode < 200 || response.statusCode > 299) {
      throw new ApiException(
        response.statusCode,
        `${method} ${path} failed`,
        text,
        flatHeaders(response.headers),
      );
    }
    return JSON.parse(text) as T;
  }
}

/** specUriPath fills in defaults on the object it is given: keep the caller's manifest untouched. */
function copyOf(manifest: KubernetesObject): KubernetesObject {
  return { ...manifest, metadata: { ...manifest.metadata } };
}

function flatHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) flat[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return flat;
}
