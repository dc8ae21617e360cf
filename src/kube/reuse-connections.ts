// @kubernetes/client-node 2.0.1 builds a new undici Agent for every API request (its private
// KubeConfig.createDispatcher is called per request and caches nothing), so each request opens a
// new TLS connection and parses the CA and client certificate again: most of a busy controller's
// CPU. One dispatcher per cluster and user keeps connections alive and reuses them.
import type { KubeConfig } from '@kubernetes/client-node';

interface DispatcherFactory {
  createDispatcher?: (cluster: { name?: string; server?: string } | null, agentOptions: object) => unknown;
}

/** Makes `config` reuse one dispatcher (connection pool) per cluster and user; returns it. */
export function reuseConnections(config: KubeConfig): KubeConfig {
  const target = config as unknown as DispatcherFactory;
  const create = target.createDispatcher?.bind(config);
  if (!create) {
    // a client version without this hook: say so loudly rather than silently lose keep-alive
    throw new Error(
      '@kubernetes/client-node has no KubeConfig.createDispatcher: review src/kube/reuse-connections.ts',
    );
  }
  const dispatchers = new Map<string, unknown>();
  target.createDispatcher = (cluster, agentOptions) => {
    const key = JSON.stringify([cluster?.name, cluster?.server, config.getCurrentUser()?.name]);
    if (!dispatchers.has(key)) dispatchers.set(key, create(cluster, agentOptions));
    return dispatchers.get(key);
  };
  return config;
}
