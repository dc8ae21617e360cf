// Deterministic names of the objects built from K8sClaw resources. A reconciler finds its children
// by name, so a name is a pure function of the owner's name; one that would exceed the Kubernetes
// limit is cut and given a hash suffix of the full name, which keeps it unique and stable.
import { createHash } from 'node:crypto';
import type { ChannelType } from '../api/index.ts';

/** DNS label limit: Job names (they become the `job-name` label) and Deployment names. */
export const dnsLabelMaxLength = 63;
/** DNS subdomain limit: ConfigMap and NetworkPolicy names. */
export const dnsSubdomainMaxLength = 253;

const hashLength = 8;

/** `name` when it fits in `maxLength`, else its head, a dash and 8 hex digits of its sha256. */
export function boundedName(name: string, maxLength: number = dnsLabelMaxLength): string {
  if (name.length <= maxLength) return name;
  const hash = createHash('sha256').update(name).digest('hex').slice(0, hashLength);
  // a name may not end in '-' or '.', and the head is followed by one more '-'
  const head = name.slice(0, maxLength - hashLength - 1).replace(/[-.]+$/, '');
  return `${head}-${hash}`;
}

export function agentJobName(runName: string): string {
  return boundedName(`agentrun-${runName}`, dnsLabelMaxLength);
}

export function runNetworkPolicyName(runName: string): string {
  return boundedName(`agentrun-${runName}`, dnsLabelMaxLength);
}

export function skillPackConfigMapName(packName: string): string {
  return boundedName(`skillpack-${packName}`, dnsSubdomainMaxLength);
}

export function memoryConfigMapName(instanceName: string): string {
  return boundedName(`${instanceName}-memory`, dnsSubdomainMaxLength);
}

export function channelDeploymentName(instanceName: string, type: ChannelType): string {
  return boundedName(`${instanceName}-channel-${type}`, dnsLabelMaxLength);
}

/**
 * The Secret with the credentials a channel's pod uses on the event bus. `version` names what they
 * were issued for (a hash of the permissions and the signing account), so new permissions or a new
 * bus authority mean a new Secret, and the Deployment that mounts it rolls.
 */
export function channelBusCredentialsSecretName(
  instanceName: string,
  type: ChannelType,
  version: string,
): string {
  return boundedName(`${instanceName}-channel-${type}-bus-${version}`, dnsSubdomainMaxLength);
}

/** The Secret with the credentials the run's IPC bridge uses on the event bus. */
export function runBusCredentialsSecretName(runName: string): string {
  return boundedName(`agentrun-${runName}-bus`, dnsSubdomainMaxLength);
}

/**
 * The sub-agent run a parent's spawn request creates: a function of the parent and the request id
 * only, so a redelivered request or a restarted controller finds the child instead of making two.
 */
export function subagentRunName(parentName: string, requestId: string): string {
  const request = createHash('sha256').update(requestId).digest('hex').slice(0, 10);
  const suffix = `-sub-${request}`;
  // the parent's name is cut, never the request's part, so children of one parent stay apart
  const head = parentName.slice(0, dnsLabelMaxLength - suffix.length).replace(/[-.]+$/, '');
  return `${head}${suffix}`;
}
