// The Secret holding one channel's event bus credentials (a NATS .creds file that may publish only
// that channel's chat messages and read only its replies), mounted into the channel pod. Owned by
// the instance, so it goes away with it.
import { labels, type ChannelType, type ClawInstance } from '../api/index.ts';
import { agentPodPaths } from './agent-pod-paths.ts';
import { buildOwnerReference } from './build-owner-reference.ts';
import { channelBusCredentialsSecretName } from './child-names.ts';
import type { SecretManifest } from './kubernetes-manifests.ts';
import { buildObjectLabels } from './object-labels.ts';

export function buildChannelBusCredentialsSecret(
  instance: ClawInstance,
  type: ChannelType,
  credentials: { text: string; version: string },
): SecretManifest {
  const instanceName = instance.metadata.name;
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: channelBusCredentialsSecretName(instanceName, type, credentials.version),
      namespace: instance.metadata.namespace,
      labels: buildObjectLabels('channel', { [labels.instance]: instanceName, [labels.channel]: type }),
      ownerReferences: [buildOwnerReference(instance)],
    },
    type: 'Opaque',
    stringData: { [agentPodPaths.busCredentialsFile]: credentials.text },
  };
}
