// The NetworkPolicy around one run's pod, rendered from the effective network rules of its policy:
// no ingress at all, and egress only to what is allowed explicitly (DNS, the event bus, the model
// endpoint, CIDR rules) unless the policy turns deny-all off. Host rules cannot be expressed here; the runner enforces
// them. Owned by the run, so it goes away with it.
import { labels, type AgentRun } from '../api/index.ts';
import { buildOwnerReference } from './build-owner-reference.ts';
import { runNetworkPolicyName } from './child-names.ts';
import type { NetworkPolicyEgressRule, NetworkPolicyManifest } from './kubernetes-manifests.ts';
import { modelEndpointEgress } from './model-endpoint-egress.ts';
import { buildObjectLabels } from './object-labels.ts';
import type { EffectiveRun } from './resolve-effective-run.ts';

export interface EventBusLocation {
  namespace: string;
  podLabels: Record<string, string>;
  port: number;
}

/** Where `k8sclaw install` puts NATS (config/nats). */
export const defaultEventBusLocation: EventBusLocation = {
  namespace: 'k8sclaw-system',
  podLabels: { 'app.kubernetes.io/name': 'k8sclaw-nats' },
  port: 4222,
};

export interface BuildRunNetworkPolicyOptions {
  eventBus?: EventBusLocation;
  /** Rules the caller adds, e.g. for an in-cluster model endpoint such as Ollama. */
  extraEgress?: readonly NetworkPolicyEgressRule[];
}

/** The label every namespace carries with its own name (set by the apiserver). */
const namespaceNameLabel = 'kubernetes.io/metadata.name';

export function buildRunNetworkPolicy(
  run: AgentRun,
  effective: Pick<EffectiveRun, 'instanceName' | 'network' | 'provider' | 'baseURL'>,
  options: BuildRunNetworkPolicyOptions = {},
): NetworkPolicyManifest {
  const runName = run.metadata.name;
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: {
      name: runNetworkPolicyName(runName),
      namespace: run.metadata.namespace,
      labels: buildObjectLabels('agent-run', {
        [labels.instance]: effective.instanceName,
        [labels.run]: runName,
      }),
      ownerReferences: [buildOwnerReference(run)],
    },
    spec: {
      podSelector: { matchLabels: { [labels.run]: runName } },
      policyTypes: ['Ingress', 'Egress'],
      ingress: [],
      egress: buildEgress(effective, options),
    },
  };
}

function buildEgress(
  effective: Pick<EffectiveRun, 'network' | 'provider' | 'baseURL'>,
  options: BuildRunNetworkPolicyOptions,
): NetworkPolicyEgressRule[] {
  const { network } = effective;
  // one empty rule matches every destination, which makes every narrower rule redundant
  if (!network.denyAll) return [{}];
  const egress: NetworkPolicyEgressRule[] = [];
  if (network.allowDNS) {
    egress.push({
      ports: [
        { protocol: 'UDP', port: 53 },
        { protocol: 'TCP', port: 53 },
      ],
    });
  }
  if (network.allowEventBus) {
    const bus = options.eventBus ?? defaultEventBusLocation;
    egress.push({
      to: [
        {
          namespaceSelector: { matchLabels: { [namespaceNameLabel]: bus.namespace } },
          podSelector: { matchLabels: { ...bus.podLabels } },
        },
      ],
      ports: [{ protocol: 'TCP', port: bus.port }],
    });
  }
  const model = modelEndpointEgress(effective);
  if (model) egress.push(model);
  for (const rule of network.allowedEgress) {
    if (rule.cidr === undefined) continue;
    egress.push({ to: [{ ipBlock: { cidr: rule.cidr } }], ports: [{ protocol: 'TCP', port: rule.port }] });
  }
  egress.push(...(options.extraEgress ?? []));
  return egress;
}
