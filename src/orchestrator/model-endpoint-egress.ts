// The egress rule that lets a run reach its model endpoint under a deny-all policy. A NetworkPolicy
// names no hosts, so the rule is derived from the endpoint's URL: an in-cluster Service
// (<service>.<namespace>.svc) opens that namespace (any port: the policy sees the pod's port, not
// the Service's); an IP address opens that address; any other host opens the public internet on
// the endpoint's port, never private, link-local or loopback ranges (an endpoint on a private
// network needs a CIDR rule in the ClawPolicy).
import type { Provider } from '../api/index.ts';
import type { NetworkPolicyEgressRule } from './kubernetes-manifests.ts';

/** Where a provider's SDK goes when the instance names no base URL. */
export const defaultModelEndpoints: Partial<Record<Provider, string>> = {
  openai: 'https://api.openai.com/v1',
  anthropic: 'https://api.anthropic.com',
};

export const privateIPv4Ranges = [
  '10.0.0.0/8',
  '172.16.0.0/12',
  '192.168.0.0/16',
  '100.64.0.0/10',
  '169.254.0.0/16',
  '127.0.0.0/8',
];
export const privateIPv6Ranges = ['fc00::/7', 'fe80::/10', '::1/128'];

const namespaceNameLabel = 'kubernetes.io/metadata.name';
const clusterService =
  /^[a-z0-9]([-a-z0-9]*[a-z0-9])?\.([a-z0-9]([-a-z0-9]*[a-z0-9])?)\.svc(\.cluster\.local)?$/;

export function modelEndpointEgress(model: {
  provider: Provider;
  baseURL?: string;
}): NetworkPolicyEgressRule | undefined {
  const endpoint = model.baseURL ?? defaultModelEndpoints[model.provider];
  if (!endpoint) return undefined;
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return undefined;
  }
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (host === 'localhost') return undefined;
  const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
  const ports = [{ protocol: 'TCP' as const, port }];
  const service = clusterService.exec(host);
  if (service?.[2]) {
    return { to: [{ namespaceSelector: { matchLabels: { [namespaceNameLabel]: service[2] } } }] };
  }
  if (/^\d+\.\d+\.\d+\.\d+$/.test(host)) return { to: [{ ipBlock: { cidr: `${host}/32` } }], ports };
  if (host.includes(':')) return { to: [{ ipBlock: { cidr: `${host}/128` } }], ports };
  return {
    to: [
      { ipBlock: { cidr: '0.0.0.0/0', except: [...privateIPv4Ranges] } },
      { ipBlock: { cidr: '::/0', except: [...privateIPv6Ranges] } },
    ],
    ports,
  };
}
