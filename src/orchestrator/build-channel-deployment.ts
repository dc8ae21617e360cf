// The Deployment `<instance>-channel-<type>` that connects one ClawInstance to one chat service.
// One replica with the Recreate strategy: chat services allow one connection per bot token (two
// Telegram pollers conflict), so an old pod stops before its replacement starts.
//
// Secret convention: the Secret named by the channel's `secretRef` holds the token under a key named
// like its environment variable (TELEGRAM_BOT_TOKEN, SLACK_BOT_TOKEN, DISCORD_BOT_TOKEN,
// WHATSAPP_ACCESS_TOKEN), e.g. `kubectl create secret generic alice-telegram
// --from-literal=TELEGRAM_BOT_TOKEN=…`. Keys a channel can use but does not need are optional.
import { labels, type ChannelType, type ClawInstance } from '../api/index.ts';
import { agentPodPaths } from './agent-pod-paths.ts';
import { buildOwnerReference } from './build-owner-reference.ts';
import { channelDeploymentName } from './child-names.ts';
import { buildContainerSecurityContext, buildPodSecurityContext } from './hardened-security-context.ts';
import type {
  DeploymentManifest,
  EnvVar,
  ImagePullPolicy,
  ResourceRequirements,
} from './kubernetes-manifests.ts';
import { buildObjectLabels } from './object-labels.ts';

export type ChannelSpec = NonNullable<ClawInstance['spec']['channels']>[number];

export const channelSecretKeys: Record<ChannelType, { token: string; optional: readonly string[] }> = {
  // webhook mode instead of long polling: the public URL Telegram posts to, and its secret token
  telegram: { token: 'TELEGRAM_BOT_TOKEN', optional: ['TELEGRAM_WEBHOOK_URL', 'TELEGRAM_WEBHOOK_SECRET'] },
  // Socket Mode (no public endpoint needed) connects with an app-level token; without one, the
  // HTTP Events API verifies Slack's posts with the signing secret; the Web API's URL (a fake)
  slack: {
    token: 'SLACK_BOT_TOKEN',
    optional: ['SLACK_APP_TOKEN', 'SLACK_SIGNING_SECRET', 'K8SCLAW_SLACK_API_URL'],
  },
  discord: { token: 'DISCORD_BOT_TOKEN', optional: [] },
  // the Cloud API sends from a phone number id
  whatsapp: { token: 'WHATSAPP_ACCESS_TOKEN', optional: ['WHATSAPP_PHONE_NUMBER_ID'] },
};

export interface BuildChannelDeploymentOptions {
  image: string;
  eventBusUrl: string;
  /**
   * Secret (key `bus.creds`) with the channel's event bus credentials, which may publish only its
   * own chat messages and read only its own replies (see buildChannelBusCredentialsSecret); none:
   * the bus needs none.
   */
  busCredentialsSecretName?: string;
  imagePullPolicy?: ImagePullPolicy;
  resources?: ResourceRequirements;
}

export const channelContainerName = 'channel';
const busCredentialsVolume = 'bus-credentials';

export const defaultChannelResources: ResourceRequirements = {
  requests: { cpu: '50m', memory: '64Mi' },
  limits: { cpu: '500m', memory: '256Mi' },
};

export function buildChannelDeployment(
  instance: ClawInstance,
  channel: ChannelSpec,
  options: BuildChannelDeploymentOptions,
): DeploymentManifest {
  const instanceName = instance.metadata.name;
  const selector = {
    [labels.component]: 'channel',
    [labels.instance]: instanceName,
    [labels.channel]: channel.type,
  };
  const objectLabels = buildObjectLabels('channel', selector);
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: channelDeploymentName(instanceName, channel.type),
      namespace: instance.metadata.namespace,
      labels: objectLabels,
      ownerReferences: [buildOwnerReference(instance)],
    },
    spec: {
      replicas: 1,
      revisionHistoryLimit: 3,
      strategy: { type: 'Recreate' },
      selector: { matchLabels: selector },
      template: {
        metadata: { labels: { ...objectLabels } },
        spec: {
          restartPolicy: 'Always',
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          securityContext: buildPodSecurityContext(),
          containers: [
            {
              name: channelContainerName,
              image: options.image,
              ...(options.imagePullPolicy ? { imagePullPolicy: options.imagePullPolicy } : {}),
              env: buildChannelEnv(instance, channel, options),
              volumeMounts: [
                { name: 'tmp', mountPath: '/tmp' },
                ...(options.busCredentialsSecretName
                  ? [{ name: busCredentialsVolume, mountPath: agentPodPaths.busCredentials, readOnly: true }]
                  : []),
              ],
              resources: options.resources ?? defaultChannelResources,
              securityContext: buildContainerSecurityContext(),
              terminationMessagePolicy: 'FallbackToLogsOnError',
            },
          ],
          volumes: [
            { name: 'tmp', emptyDir: { sizeLimit: '64Mi' } },
            ...(options.busCredentialsSecretName
              ? [
                  {
                    name: busCredentialsVolume,
                    secret: {
                      secretName: options.busCredentialsSecretName,
                      items: [
                        { key: agentPodPaths.busCredentialsFile, path: agentPodPaths.busCredentialsFile },
                      ],
                      defaultMode: 0o440,
                    },
                  },
                ]
              : []),
          ],
        },
      },
    },
  };
}

function buildChannelEnv(
  instance: ClawInstance,
  channel: ChannelSpec,
  options: BuildChannelDeploymentOptions,
): EnvVar[] {
  const secretName = channel.secretRef.name;
  const keys = channelSecretKeys[channel.type];
  const access = channel.accessControl ?? {};
  return [
    { name: 'INSTANCE_NAME', value: instance.metadata.name },
    // part of every chat message's bus id: an id no other tenant can know in advance
    { name: 'K8SCLAW_INSTANCE_UID', value: instance.metadata.uid ?? '' },
    { name: 'K8SCLAW_NAMESPACE', value: instance.metadata.namespace },
    { name: 'K8SCLAW_CHANNEL_TYPE', value: channel.type },
    { name: 'EVENT_BUS_URL', value: options.eventBusUrl },
    ...(options.busCredentialsSecretName
      ? [
          {
            name: 'K8SCLAW_BUS_CREDENTIALS_FILE',
            value: `${agentPodPaths.busCredentials}/${agentPodPaths.busCredentialsFile}`,
          },
        ]
      : []),
    { name: keys.token, valueFrom: { secretKeyRef: { name: secretName, key: keys.token } } },
    ...keys.optional.map((key) => ({
      name: key,
      valueFrom: { secretKeyRef: { name: secretName, key, optional: true } },
    })),
    // one JSON document, so an empty list and a missing one stay distinguishable
    {
      name: 'K8SCLAW_ACCESS_CONTROL',
      value: JSON.stringify({
        ...(access.allowedSenders ? { allowedSenders: access.allowedSenders } : {}),
        ...(access.allowedChats ? { allowedChats: access.allowedChats } : {}),
        ...(access.denyMessage !== undefined ? { denyMessage: access.denyMessage } : {}),
      }),
    },
  ];
}
