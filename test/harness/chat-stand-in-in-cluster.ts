// Deploys one chat service's stand-in (test/fakes/<service>, image chat-fakes) into a namespace of
// the local cluster as a Deployment and a Service named after the service, and waits until it
// serves. Channel pods of that namespace reach it at `inClusterUrl`; the test drives it through its
// control API (test/fakes/control-api.ts) at the Service's cluster IP (`url`): the local cluster's
// node is this machine, so kube-proxy routes it.
import assert from 'node:assert/strict';
import type { ChannelType } from '../../src/api/index.ts';
import type { KubeClient } from '../../src/kube/index.ts';
import type { ControlFault } from '../fakes/control-api.ts';
import { localImage } from './e2e.ts';
import { kubectl } from './kubectl.ts';

export interface ChatStandInInCluster {
  /** The stand-in's root URL for pods of the namespace (the base URL a channel is given). */
  inClusterUrl: string;
  /** The same from this machine. */
  url: string;
  pushMessage(message: unknown, query?: string): Promise<Record<string, unknown>>;
  calls<T = Record<string, unknown>>(): Promise<T[]>;
  failNext(method: string, faults: ControlFault[]): Promise<void>;
}

const fieldManager = 'k8sclaw-e2e';

export async function deployChatStandIn(
  kube: KubeClient,
  kubeconfig: string,
  namespace: string,
  service: ChannelType,
  env: Record<string, string>,
): Promise<ChatStandInInCluster> {
  const labels = { 'app.kubernetes.io/name': `${service}-stand-in` };
  await kube.apply(
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: service, namespace, labels },
      spec: {
        replicas: 1,
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: {
            automountServiceAccountToken: false,
            enableServiceLinks: false,
            securityContext: {
              runAsNonRoot: true,
              runAsUser: 65532,
              runAsGroup: 65532,
              seccompProfile: { type: 'RuntimeDefault' },
            },
            containers: [
              {
                name: 'stand-in',
                image: localImage('chat-fakes'),
                imagePullPolicy: 'Never',
                args: [`/app/test/fakes/${service}/main.ts`],
                env: [
                  { name: 'PORT', value: '8080' },
                  ...Object.entries(env).map(([name, value]) => ({ name, value })),
                ],
                ports: [{ name: 'http', containerPort: 8080 }],
                readinessProbe: { httpGet: { path: '/_control/calls', port: 'http' }, periodSeconds: 2 },
                resources: { requests: { cpu: '20m', memory: '48Mi' }, limits: { memory: '160Mi' } },
                securityContext: {
                  allowPrivilegeEscalation: false,
                  readOnlyRootFilesystem: true,
                  capabilities: { drop: ['ALL'] },
                },
              },
            ],
          },
        },
      },
    },
    fieldManager,
  );
  await kube.apply(
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: service, namespace, labels },
      spec: { selector: labels, ports: [{ name: 'http', port: 80, targetPort: 'http' }] },
    },
    fieldManager,
  );
  await kubectl(kubeconfig, '-n', namespace, 'rollout', 'status', `deployment/${service}`, '--timeout=120s');
  const clusterIp = (await kube.core.readNamespacedService({ name: service, namespace })).spec?.clusterIP;
  assert.ok(clusterIp, `the ${service} stand-in's Service has a cluster IP`);
  const url = `http://${clusterIp}`;
  const control = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${url}/_control/${path}`, {
      method,
      ...(body !== undefined
        ? { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }
        : {}),
      signal: AbortSignal.timeout(30_000),
    });
    const answer = (await response.json()) as Record<string, unknown>;
    assert.equal(response.status, 200, `${method} /_control/${path}: ${JSON.stringify(answer)}`);
    return answer;
  };
  return {
    inClusterUrl: `http://${service}.${namespace}.svc`,
    url,
    pushMessage: async (message, query) =>
      await control('POST', `messages${query ? `?${query}` : ''}`, message),
    calls: async <T>() => (await control('GET', 'calls')).calls as T[],
    failNext: async (method, faults) => void (await control('POST', 'faults', { method, faults })),
  };
}
