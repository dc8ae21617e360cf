// What `k8sclaw onboard` applies, from its answers: the provider key's Secret, the channel token's
// Secret, the default ClawPolicy and the ClawInstance. Pure: the secret values are passed in (read
// from the environment by the caller) and go only into the Secrets' data.
import {
  apiVersion,
  channelTypes,
  labels,
  providers,
  providersNeedingBaseUrl,
  providersNeedingKey,
  toolActions,
  type ChannelType,
  type ClawInstance,
  type ClawPolicy,
  type Provider,
} from '../../api/index.ts';
import type { KubernetesObject } from '../../kube/index.ts';
import { channelSecretKeys, channelSettingKeys } from '../../orchestrator/index.ts';
import { UsageError } from '../usage-error.ts';

export interface OnboardAnswers {
  namespace: string;
  instance: string;
  provider: Provider;
  model: string;
  baseUrl?: string;
  /** The provider's API key, when the provider takes one. */
  apiKey?: string;
  /** `settings`: the channel's other Secret keys (channelSettingKeys), by key. */
  channel?: { type: ChannelType; token: string; settings?: Record<string, string> };
  /** The ClawPolicy's name and its default tool action. */
  policy: { name: string; defaultAction: (typeof toolActions)[number] };
}

/** The environment variable a provider's key is read from when no other is named. */
export const defaultKeyEnv: Partial<Record<Provider, string>> = {
  openai: 'OPENAI_API_KEY',
  anthropic: 'ANTHROPIC_API_KEY',
  'azure-openai': 'AZURE_OPENAI_API_KEY',
};

const apiKeyKey = 'api-key';

export function checkAnswers(answers: OnboardAnswers): void {
  if (!providers.includes(answers.provider))
    throw new UsageError(`unknown provider "${answers.provider}": one of ${providers.join(', ')}`);
  if ((providersNeedingBaseUrl as readonly string[]).includes(answers.provider) && !answers.baseUrl)
    throw new UsageError(`provider ${answers.provider} needs --base-url`);
  if ((providersNeedingKey as readonly string[]).includes(answers.provider) && !answers.apiKey)
    throw new UsageError(
      `provider ${answers.provider} needs an API key: set --api-key-env to a variable holding it`,
    );
  if (answers.channel && !channelTypes.includes(answers.channel.type))
    throw new UsageError(`unknown channel "${answers.channel.type}": one of ${channelTypes.join(', ')}`);
  if (answers.channel) {
    const settings = answers.channel.settings ?? {};
    const missing = channelSettingKeys(answers.channel.type)
      .filter(({ key, required }) => required && !settings[key])
      .map(({ key }) => key);
    if (missing.length > 0)
      throw new UsageError(
        `the ${answers.channel.type} channel also needs ${missing.join(', ')}: set environment variables of those names`,
      );
  }
  if (!toolActions.includes(answers.policy.defaultAction))
    throw new UsageError(
      `unknown default action "${answers.policy.defaultAction}": one of ${toolActions.join(', ')}`,
    );
}

function secret(
  name: string,
  namespace: string,
  instance: string,
  data: Record<string, string>,
): KubernetesObject {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace, labels: { [labels.instance]: instance } },
    type: 'Opaque',
    stringData: data,
  } as KubernetesObject;
}

/** The objects to apply, in order: Secrets first, then the policy, then the instance that uses them. */
export function planOnboard(answers: OnboardAnswers): KubernetesObject[] {
  checkAnswers(answers);
  const { namespace, instance } = answers;
  const objects: KubernetesObject[] = [];
  const keySecret = `${instance}-${answers.provider}`;
  if (answers.apiKey) objects.push(secret(keySecret, namespace, instance, { [apiKeyKey]: answers.apiKey }));
  const channelSecret = answers.channel ? `${instance}-${answers.channel.type}` : undefined;
  if (answers.channel && channelSecret)
    objects.push(
      secret(channelSecret, namespace, instance, {
        [channelSecretKeys[answers.channel.type].token]: answers.channel.token,
        ...answers.channel.settings,
      }),
    );
  const policy: ClawPolicy = {
    apiVersion,
    kind: 'ClawPolicy',
    metadata: { name: answers.policy.name, namespace },
    spec: { toolGating: { defaultAction: answers.policy.defaultAction } },
  };
  objects.push(policy as unknown as KubernetesObject);
  const clawInstance: ClawInstance = {
    apiVersion,
    kind: 'ClawInstance',
    metadata: { name: instance, namespace },
    spec: {
      agents: {
        default: {
          provider: answers.provider,
          model: answers.model,
          ...(answers.baseUrl ? { baseURL: answers.baseUrl } : {}),
          ...(answers.apiKey ? { authSecretRef: { name: keySecret, key: apiKeyKey } } : {}),
        },
      },
      policyRef: answers.policy.name,
      ...(answers.channel && channelSecret
        ? { channels: [{ type: answers.channel.type, secretRef: { name: channelSecret } }] }
        : {}),
    },
  } as ClawInstance;
  objects.push(clawInstance as unknown as KubernetesObject);
  return objects;
}
