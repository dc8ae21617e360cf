// The Deployment `<instance>-channel-<type>` that connects one ClawInstance to one chat service.
// One replica with the Recreate strategy: chat services allow one connection per bot token (two
// Telegram pollers conflict), so an old pod stops before its replacement starts.
//
// Secret convention: the Secret named by the channel's `secretRef` holds the token under a key named
// like its environment variable (TELEGRAM_BOT_TOKEN, SLACK_BOT_TOKEN, DISCORD_BOT_TOKEN,
// WHATSAPP_ACCESS_TOKEN), e.g. `kubectl create secret generic alice-telegram
// --from-literal=TELEGRAM_BOT_TOKEN=…`. Keys a channel cannot run without are required like the
// token (WhatsApp's webhook secrets); keys it can use but does not need are optional.
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
  ServiceManifest,
} from './kubernetes-manifests.ts';
import { buildObjectLabels } from './object-labels.ts';

export type ChannelSpec = NonNullable<ClawInstance['spec']['channels']>[number];

export interface ChannelSecretKeys {
  /** The service's token, which every channel needs. */
  token: string;
  /** Further keys the channel cannot run without (the pod does not start until the Secret has them). */
  required?: readonly string[];
  optional: readonly string[];
  /** Optional keys a person sets up with the token (`k8sclaw onboard` asks for them). */
  setup?: readonly string[];
}

/** The keys besides the token that onboarding a channel asks for: the required ones, then the set-up ones. */
export function channelSettingKeys(type: ChannelType): { key: string; required: boolean }[] {
  const keys = channelSecretKeys[type];
  return [
    ...(keys.required ?? []).map((key) => ({ key, required: true })),
    ...(keys.setup ?? []).map((key) => ({ key, required: false })),
  ];
}

export const channelSecretKeys: Record<ChannelType, ChannelSecretKeys> = {
  // webhook mode instead of long polling: the public URL Telegram posts to, and its secret token
  // (the API root: a local Bot API server, or a stand-in of Telegram)
  telegram: {
    token: 'TELEGRAM_BOT_TOKEN',
    optional: ['TELEGRAM_WEBHOOK_URL', 'TELEGRAM_WEBHOOK_SECRET', 'K8SCLAW_TELEGRAM_API_ROOT'],
  },
  // Socket Mode (no public endpoint needed) connects with an app-level token; without one, the
  // HTTP Events API verifies Slack's posts with the signing secret; the Web API's URL (a stand-in)
  slack: {
    token: 'SLACK_BOT_TOKEN',
    optional: ['SLACK_APP_TOKEN', 'SLACK_SIGNING_SECRET', 'K8SCLAW_SLACK_API_URL'],
    setup: ['SLACK_APP_TOKEN', 'SLACK_SIGNING_SECRET'],
  },
  // the REST root to use instead of Discord's (a stand-in in the local cluster)
  discord: { token: 'DISCORD_BOT_TOKEN', optional: ['K8SCLAW_DISCORD_API_URL'] },
  // the Cloud API sends from a phone number id; messages come only by webhook, whose verification
  // handshake wants the verify token and whose posts are signed with the app secret
  whatsapp: {
    token: 'WHATSAPP_ACCESS_TOKEN',
    required: ['WHATSAPP_PHONE_NUMBER_ID', 'WHATSAPP_VERIFY_TOKEN', 'WHATSAPP_APP_SECRET'],
    optional: ['K8SCLAW_WHATSAPP_API_URL'],
  },
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
/** Where the channel program listens: services that post to it (webhooks), and its health. */
export const channelPorts = { webhook: 8080, health: 8081 } as const;
/** The file the channel program writes why it stopped into; the kubelet shows it in the pod status. */
export const channelTerminationMessagePath = '/dev/termination-log';
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
              ports: [
                { name: 'webhook', containerPort: channelPorts.webhook, protocol: 'TCP' },
                { name: 'health', containerPort: channelPorts.health, protocol: 'TCP' },
              ],
              // ready: receiving from the service and consuming replies from the bus; the
              // instance's status reports the channel Connected only then
              readinessProbe: { httpGet: { path: '/readyz', port: 'health' }, periodSeconds: 5 },
              livenessProbe: {
                httpGet: { path: '/healthz', port: 'health' },
                periodSeconds: 10,
                failureThreshold: 6,
              },
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
    { name: 'K8SCLAW_WEBHOOK_PORT', value: String(channelPorts.webhook) },
    { name: 'K8SCLAW_HEALTH_PORT', value: String(channelPorts.health) },
    { name: 'K8SCLAW_TERMINATION_MESSAGE_FILE', value: channelTerminationMessagePath },
    ...(options.busCredentialsSecretName
      ? [
          {
            name: 'K8SCLAW_BUS_CREDENTIALS_FILE',
            value: `${agentPodPaths.busCredentials}/${agentPodPaths.busCredentialsFile}`,
          },
        ]
      : []),
    ...[keys.token, ...(keys.required ?? [])].map((key) => ({
      name: key,
      valueFrom: { secretKeyRef: { name: secretName, key } },
    })),
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

/**
 * The Service in front of a channel pod, named like its Deployment: services that post to the
 * channel (Slack's Events API, WhatsApp's webhook, Telegram in webhook mode) reach it through an
 * Ingress or Gateway routed to this Service's `webhook` port.
 */
export function buildChannelService(instance: ClawInstance, type: ChannelType): ServiceManifest {
  const instanceName = instance.metadata.name;
  const selector = {
    [labels.component]: 'channel',
    [labels.instance]: instanceName,
    [labels.channel]: type,
  };
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name: channelDeploymentName(instanceName, type),
      namespace: instance.metadata.namespace,
      labels: buildObjectLabels('channel', selector),
      ownerReferences: [buildOwnerReference(instance)],
    },
    spec: {
      type: 'ClusterIP',
      selector,
      ports: [
        { name: 'webhook', port: 80, targetPort: 'webhook', protocol: 'TCP' },
        { name: 'metrics', port: channelPorts.health, targetPort: 'health', protocol: 'TCP' },
      ],
    },
  };
}
