// A local port forwarded to one ready pod behind a Service, through the kube-apiserver's
// pods/portforward subresource (as `kubectl port-forward svc/NAME` does): a loopback TCP listener
// whose every connection becomes one WebSocket stream to the pod's port. The bytes pass through
// untouched, so an Authorization header sent over it reaches the pod (the kube-apiserver's service
// proxy would remove it). Needs `get services`, `list pods` and `create pods/portforward` there.
import { PortForward, type V1Pod } from '@kubernetes/client-node';
import net from 'node:net';
import { K8sClawError } from '../api/errors.ts';
import type { KubeClient } from './kube-client.ts';
import { toKubeError } from './kube-error.ts';

export interface ServicePortForward {
  /** `http://127.0.0.1:<port>`. */
  readonly url: string;
  /** The pod the connections go to. */
  readonly pod: string;
  /** Why the last connection could not be forwarded, if one could not. */
  readonly lastError: Error | undefined;
  close(): Promise<void>;
}

export interface ServicePortTarget {
  namespace: string;
  service: string;
  /** The Service's port (as clients of the Service use it). */
  port: number;
}

const isReady = (pod: V1Pod) =>
  !pod.metadata?.deletionTimestamp &&
  pod.status?.phase === 'Running' &&
  (pod.status.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');

export async function forwardServicePort(
  kube: KubeClient,
  target: ServicePortTarget,
): Promise<ServicePortForward> {
  const { namespace, service: name } = target;
  let service;
  let pods;
  try {
    service = await kube.core.readNamespacedService({ name, namespace });
    const selector = Object.entries(service.spec?.selector ?? {})
      .map(([key, value]) => `${key}=${value}`)
      .join(',');
    if (!selector) throw new K8sClawError('kube.NoSelector', `service ${namespace}/${name} selects no pods`);
    pods = await kube.core.listNamespacedPod({ namespace, labelSelector: selector });
  } catch (error) {
    throw error instanceof K8sClawError ? error : toKubeError(error);
  }
  const servicePort = service.spec?.ports?.find((p) => p.port === target.port);
  if (!servicePort) {
    throw new K8sClawError('kube.NoPort', `service ${namespace}/${name} has no port ${target.port}`);
  }
  const pod = pods.items.find(isReady);
  if (!pod?.metadata?.name) {
    throw new K8sClawError('kube.NoReadyPod', `service ${namespace}/${name} has no ready pod`);
  }
  const podName = pod.metadata.name;
  const wanted = servicePort.targetPort ?? servicePort.port;
  const podPort =
    typeof wanted === 'number'
      ? wanted
      : (pod.spec?.containers ?? []).flatMap((c) => c.ports ?? []).find((p) => p.name === wanted)
          ?.containerPort;
  if (podPort === undefined) {
    throw new K8sClawError('kube.NoPort', `pod ${namespace}/${podName} has no port named ${wanted}`);
  }

  const forward = new PortForward(kube.config);
  const sockets = new Set<net.Socket>();
  let lastError: Error | undefined;
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    forward.portForward(namespace, podName, [podPort], socket, null, socket).then(
      (ws) => {
        const stream = ws as unknown as { on(event: 'close', listener: () => void): void; close(): void };
        stream.on('close', () => socket.end());
        socket.once('close', () => stream.close());
      },
      (error: unknown) => {
        lastError = error instanceof Error ? error : new Error(String(error));
        socket.destroy();
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    pod: podName,
    get lastError() {
      return lastError;
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
