// The interactive `k8sclaw onboard`: the five steps (cluster, instance, provider, channel, policy)
// as questions to an OnboardPrompter, producing the same OnboardAnswers the non-interactive path
// builds from flags, so both apply one plan. Everything it needs from outside (the cluster, the
// environment, the provider's models endpoint) comes in through OnboardWizardDeps, so unit tests
// drive it with scripted answers. Secrets are asked without echo and never said back.
import {
  channelTypes,
  providersNeedingBaseUrl,
  providersNeedingKey,
  toolActions,
  type ChannelType,
  type Provider,
  type ToolAction,
} from '../../api/index.ts';
import { channelSecretKeys, channelSettingKeys } from '../../orchestrator/index.ts';
import { CliError } from '../cli-error.ts';
import { planModelsRequest, type ModelsCheckResult, type ModelsRequest } from './models-check.ts';
import { defaultKeyEnv, type OnboardAnswers } from './onboard-plan.ts';
import type { Choice, OnboardPrompter } from './onboard-prompter.ts';

export interface ClusterState {
  server: string;
  version: string;
  /** The K8sClaw CRDs are served. */
  installed: boolean;
}

/** What an earlier onboard (or anyone) left: the defaults of a re-run. */
export interface ExistingSetup {
  provider?: Provider;
  model?: string;
  baseUrl?: string;
  /** The key in the Secret the instance names. */
  apiKey?: string;
  channel?: { type: ChannelType; token?: string; settings?: Record<string, string> };
  policyName?: string;
}

export interface OnboardWizardDeps {
  prompter: OnboardPrompter;
  namespace: string;
  variables: Readonly<Record<string, string | undefined>>;
  checkCluster(): Promise<ClusterState>;
  /** Installs K8sClaw (the `k8sclaw install` path) and returns once it is ready. */
  install(): Promise<void>;
  readInstance(name: string): Promise<ExistingSetup | undefined>;
  readPolicyAction(name: string): Promise<ToolAction | undefined>;
  checkModels(request: ModelsRequest): Promise<ModelsCheckResult>;
}

const providerChoices: Choice<Provider>[] = [
  { value: 'openai', label: 'OpenAI' },
  { value: 'anthropic', label: 'Anthropic' },
  { value: 'azure-openai', label: 'Azure OpenAI' },
  { value: 'ollama', label: 'Ollama' },
  { value: 'openai-compatible', label: 'OpenAI-compatible endpoint', hint: 'any URL' },
];

export const defaultModels: Record<Provider, string> = {
  openai: 'gpt-4o-mini',
  anthropic: 'claude-sonnet-4-5',
  'azure-openai': '',
  ollama: 'llama3.2',
  'openai-compatible': '',
};

/** The agent's own default for Ollama: left out of the instance when the answer is this. */
const ollamaDefaultUrl = 'http://localhost:11434/v1';

const dnsLabel = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

export function checkName(value: string): string | undefined {
  return dnsLabel.test(value)
    ? undefined
    : 'lower-case letters, digits and "-", starting and ending with a letter or digit (at most 63)';
}

export function checkUrl(value: string): string | undefined {
  return /^https?:\/\/\S+$/.test(value) ? undefined : 'an http:// or https:// URL';
}

const required = (value: string) => (value ? undefined : 'required');

export async function askOnboardAnswers(deps: OnboardWizardDeps): Promise<OnboardAnswers> {
  const p = deps.prompter;

  // 1. the cluster
  const cluster = await deps.checkCluster();
  p.say(`Cluster ${cluster.server} (Kubernetes ${cluster.version}), namespace ${deps.namespace}.`);
  if (!cluster.installed) {
    const install = await p.confirm({
      message: 'K8sClaw is not installed in this cluster. Install it now?',
      initial: true,
    });
    if (!install)
      throw new CliError(
        'NotInstalled',
        'K8sClaw is not installed in this cluster: run k8sclaw install, then k8sclaw onboard',
      );
    await deps.install();
  } else p.say('K8sClaw is installed.');

  // 2. the instance
  const instance = await p.text({ message: 'Instance name', initial: 'my-agent', validate: checkName });
  const existing = (await deps.readInstance(instance)) ?? {};
  if (existing.provider)
    p.say(`${instance} exists: its settings are the defaults, and only what you change is applied.`);

  // 3. the provider, its endpoint, model and key
  const provider = await p.select({
    message: 'Model provider',
    choices: providerChoices,
    initial: existing.provider ?? 'openai',
  });
  const same = existing.provider === provider;
  let baseUrl: string | undefined;
  if ((providersNeedingBaseUrl as readonly string[]).includes(provider) || provider === 'ollama') {
    const answer = await p.text({
      message:
        provider === 'azure-openai'
          ? 'Azure OpenAI resource endpoint (https://<resource>.openai.azure.com)'
          : provider === 'ollama'
            ? 'Ollama URL (as the agent pods reach it)'
            : 'Endpoint URL (OpenAI-compatible, e.g. http://host:8000/v1)',
      ...((same && existing.baseUrl) || provider === 'ollama'
        ? { initial: (same && existing.baseUrl) || ollamaDefaultUrl }
        : {}),
      validate: checkUrl,
    });
    baseUrl = provider === 'ollama' && answer === ollamaDefaultUrl ? undefined : answer;
  }
  const modelDefault = (same && existing.model) || defaultModels[provider];
  const model = await p.text({
    message: provider === 'azure-openai' ? 'Deployment name' : 'Model',
    ...(modelDefault ? { initial: modelDefault } : {}),
    validate: required,
  });
  const apiKey = await askKey(deps, provider, same ? existing.apiKey : undefined);
  if (apiKey !== undefined || !(providersNeedingKey as readonly string[]).includes(provider))
    await offerKeyCheck(deps, planModelsRequest(provider, baseUrl, apiKey), model);

  // 4. a channel (optional)
  const channelType = await p.select<ChannelType | 'none'>({
    message: 'Chat channel',
    choices: [
      { value: 'none', label: 'none' },
      ...channelTypes.map((type) => ({ value: type, label: type })),
    ],
    initial: existing.channel?.type ?? 'none',
  });
  let channel: OnboardAnswers['channel'];
  if (channelType !== 'none') {
    const stored = existing.channel?.type === channelType ? existing.channel.token : undefined;
    const token = await askSecret(deps, {
      what: `${channelType} token`,
      variable: channelSecretKeys[channelType].token,
      stored,
      required: true,
    });
    // the channel's other keys (WhatsApp's webhook secrets, Slack's app token or signing secret)
    const settings: Record<string, string> = {};
    for (const { key, required } of channelSettingKeys(channelType)) {
      const value = await askSecret(deps, {
        what: `${channelType} ${key}`,
        variable: key,
        stored: existing.channel?.type === channelType ? existing.channel.settings?.[key] : undefined,
        required,
      });
      if (value) settings[key] = value;
    }
    channel = {
      type: channelType,
      token: token ?? '',
      ...(Object.keys(settings).length > 0 ? { settings } : {}),
    };
  }

  // 5. the default policy
  const policyName = await p.text({
    message: 'ClawPolicy name',
    initial: existing.policyName ?? 'default',
    validate: checkName,
  });
  const defaultAction = await p.select<ToolAction>({
    message: 'Default action for tools no rule names',
    choices: toolActions.map((action) => ({
      value: action,
      label: action,
      hint: { allow: 'run them', deny: 'refuse them', ask: 'ask a person first' }[action],
    })),
    initial: (await deps.readPolicyAction(policyName)) ?? 'allow',
  });

  return {
    namespace: deps.namespace,
    instance,
    provider,
    model,
    ...(baseUrl ? { baseUrl } : {}),
    ...(apiKey ? { apiKey } : {}),
    ...(channel ? { channel } : {}),
    policy: { name: policyName, defaultAction },
  };
}

async function askKey(
  deps: OnboardWizardDeps,
  provider: Provider,
  stored: string | undefined,
): Promise<string | undefined> {
  const variable = defaultKeyEnv[provider];
  const needed = (providersNeedingKey as readonly string[]).includes(provider);
  return await askSecret(deps, {
    what: 'API key',
    ...(variable ? { variable } : {}),
    stored,
    required: needed,
  });
}

/** A secret: the stored one kept, the environment's taken, or typed hidden, in that order of offers. */
async function askSecret(
  deps: OnboardWizardDeps,
  ask: { what: string; variable?: string; stored: string | undefined; required: boolean },
): Promise<string | undefined> {
  const p = deps.prompter;
  if (ask.stored && (await p.confirm({ message: `Keep the stored ${ask.what}?`, initial: true })))
    return ask.stored;
  const fromEnv = ask.variable ? deps.variables[ask.variable] : undefined;
  if (fromEnv && (await p.confirm({ message: `Use the ${ask.what} in $${ask.variable}?`, initial: true })))
    return fromEnv;
  const typed = await p.secret({
    message: ask.required ? ask.what : `${ask.what} (Enter for none)`,
    ...(ask.required ? { validate: required } : {}),
  });
  return typed || undefined;
}

async function offerKeyCheck(deps: OnboardWizardDeps, request: ModelsRequest, model: string): Promise<void> {
  const p = deps.prompter;
  if (!(await p.confirm({ message: `Check it against ${request.url}?`, initial: true }))) return;
  const result = await deps.checkModels(request);
  if (result.ok) {
    const listed = result.models.length === 0 || result.models.includes(model);
    p.say(
      `The provider answered: ${result.models.length} models${listed ? '' : `, ${model} not among them`}.`,
    );
    return;
  }
  p.say(`The check failed: ${result.reason}.`);
  if (!(await p.confirm({ message: 'Go on anyway?', initial: false })))
    throw new CliError('KeyCheckFailed', `the provider check failed: ${result.reason}; nothing was applied`);
}
