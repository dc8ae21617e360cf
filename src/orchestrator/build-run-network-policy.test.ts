import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildRunNetworkPolicy, type BuildRunNetworkPolicyOptions } from './build-run-network-policy.ts';
import { runFixture } from '../../test/fixtures/k8sclaw-objects.ts';
import type { NetworkPolicyEgressRule } from './kubernetes-manifests.ts';
import type { EffectiveNetwork } from './resolve-effective-run.ts';
import type { Provider } from '../api/index.ts';
import { privateIPv4Ranges, privateIPv6Ranges } from './model-endpoint-egress.ts';

const tcp = (port: number) => [{ protocol: 'TCP' as const, port }];
const publicInternet = [
  { ipBlock: { cidr: '0.0.0.0/0', except: privateIPv4Ranges } },
  { ipBlock: { cidr: '::/0', except: privateIPv6Ranges } },
];

const locked: EffectiveNetwork = { denyAll: true, allowDNS: true, allowEventBus: true, allowedEgress: [] };

const dns: NetworkPolicyEgressRule = {
  ports: [
    { protocol: 'UDP', port: 53 },
    { protocol: 'TCP', port: 53 },
  ],
};
const eventBus: NetworkPolicyEgressRule = {
  to: [
    {
      namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'k8sclaw-system' } },
      podSelector: { matchLabels: { 'app.kubernetes.io/name': 'k8sclaw-nats' } },
    },
  ],
  ports: [{ protocol: 'TCP', port: 4222 }],
};

const cases: {
  name: string;
  network: Partial<EffectiveNetwork>;
  options?: BuildRunNetworkPolicyOptions;
  /** The run's model endpoint; none by default (a local Ollama opens nothing). */
  model?: { provider: Provider; baseURL?: string };
  egress: NetworkPolicyEgressRule[];
}[] = [
  { name: 'deny all: only DNS and the event bus', network: {}, egress: [dns, eventBus] },
  {
    name: 'deny all with DNS and the event bus turned off: no egress at all',
    network: { allowDNS: false, allowEventBus: false },
    egress: [],
  },
  {
    name: 'CIDR rules are rendered, host rules are left to the runner',
    network: {
      allowDNS: false,
      allowEventBus: false,
      allowedEgress: [
        { cidr: '10.96.0.0/12', port: 443 },
        { host: 'api.openai.com', port: 443 },
        { cidr: 'fd00::/8', port: 8080 },
      ],
    },
    egress: [
      { to: [{ ipBlock: { cidr: '10.96.0.0/12' } }], ports: [{ protocol: 'TCP', port: 443 }] },
      { to: [{ ipBlock: { cidr: 'fd00::/8' } }], ports: [{ protocol: 'TCP', port: 8080 }] },
    ],
  },
  {
    name: 'deny all off: every destination',
    network: { denyAll: false, allowedEgress: [{ cidr: '10.0.0.0/8', port: 443 }] },
    egress: [{}],
  },
  {
    name: 'event bus elsewhere and caller rules appended',
    network: { allowDNS: false },
    options: {
      eventBus: { namespace: 'bus', podLabels: { app: 'nats' }, port: 4223 },
      extraEgress: [{ to: [{ podSelector: { matchLabels: { app: 'ollama' } } }] }],
    },
    egress: [
      {
        to: [
          {
            namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'bus' } },
            podSelector: { matchLabels: { app: 'nats' } },
          },
        ],
        ports: [{ protocol: 'TCP', port: 4223 }],
      },
      { to: [{ podSelector: { matchLabels: { app: 'ollama' } } }] },
    ],
  },
  {
    name: "a hosted provider's default endpoint: the public internet on 443, never private ranges",
    network: { allowDNS: false, allowEventBus: false },
    model: { provider: 'anthropic' },
    egress: [{ to: publicInternet, ports: tcp(443) }],
  },
  {
    name: 'a base URL on another port',
    network: { allowDNS: false, allowEventBus: false },
    model: { provider: 'openai-compatible', baseURL: 'http://models.example.com:8000/v1' },
    egress: [{ to: publicInternet, ports: tcp(8000) }],
  },
  {
    name: "an in-cluster Service: its namespace, any port (policies see the pod's port)",
    network: { allowDNS: false, allowEventBus: false },
    model: { provider: 'ollama', baseURL: 'http://ollama.models.svc.cluster.local:11434/v1' },
    egress: [{ to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'models' } } }] }],
  },
  {
    name: 'an IP address: that address only',
    network: { allowDNS: false, allowEventBus: false },
    model: { provider: 'openai-compatible', baseURL: 'http://10.1.2.3:8080/v1' },
    egress: [{ to: [{ ipBlock: { cidr: '10.1.2.3/32' } }], ports: tcp(8080) }],
  },
  {
    name: 'no model rule without deny-all (everything is open already)',
    network: { denyAll: false },
    model: { provider: 'openai' },
    egress: [{}],
  },
];

describe('buildRunNetworkPolicy', () => {
  for (const c of cases) {
    it(c.name, () => {
      const policy = buildRunNetworkPolicy(
        runFixture(),
        {
          instanceName: 'alice',
          network: { ...locked, ...c.network },
          ...(c.model ?? { provider: 'ollama' }),
        },
        c.options,
      );
      assert.deepEqual(policy.spec.egress, c.egress);
    });
  }

  it('selects the run pod, blocks all ingress and is owned by the run', () => {
    const policy = buildRunNetworkPolicy(runFixture(), {
      instanceName: 'alice',
      network: locked,
      provider: 'ollama',
    });
    assert.equal(policy.apiVersion, 'networking.k8s.io/v1');
    assert.equal(policy.metadata.name, 'agentrun-alice-hello');
    assert.equal(policy.metadata.namespace, 'team-a');
    assert.equal(policy.metadata.labels['k8sclaw.io/run'], 'alice-hello');
    assert.deepEqual(policy.spec.podSelector, { matchLabels: { 'k8sclaw.io/run': 'alice-hello' } });
    assert.deepEqual(policy.spec.policyTypes, ['Ingress', 'Egress']);
    assert.deepEqual(policy.spec.ingress, []);
    assert.deepEqual(
      policy.metadata.ownerReferences.map((o) => [o.kind, o.name, o.uid, o.controller]),
      [['AgentRun', 'alice-hello', 'uid-run-alice-hello', true]],
    );
  });
});
