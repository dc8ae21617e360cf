// Agent settings shared by ClawInstance (defaults) and AgentRun (per-run overrides): provider and
// model, thinking level, sandbox, tool names.
import { Type } from '@sinclair/typebox';
import {
  celRules,
  dnsLabel,
  quantity,
  resourceRequirements,
  secretKeyRef,
  stringEnum,
} from './schema-kit.ts';

export const providers = ['openai', 'anthropic', 'azure-openai', 'ollama', 'openai-compatible'] as const;
export type Provider = (typeof providers)[number];
/** Providers whose API needs a key. */
export const providersNeedingKey = ['openai', 'anthropic', 'azure-openai'] as const;
/** Providers with no public default endpoint. */
export const providersNeedingBaseUrl = ['azure-openai', 'openai-compatible'] as const;

export const thinkingLevels = ['off', 'low', 'medium', 'high'] as const;
export type ThinkingLevel = (typeof thinkingLevels)[number];

const celList = (values: readonly string[]) => `[${values.map((v) => `'${v}'`).join(', ')}]`;

export const provider = () => stringEnum(providers, { description: 'LLM provider.' });
export const modelName = () =>
  Type.String({ minLength: 1, maxLength: 256, description: 'Model (or Azure deployment) name.' });
export const baseUrl = () =>
  Type.String({
    maxLength: 2048,
    pattern: '^https?://[^\\s]+$',
    description: 'Provider endpoint (http or https URL).',
  });
export const thinking = () =>
  stringEnum(thinkingLevels, { description: 'Reasoning effort requested from the model.' });
export const authSecretRef = () =>
  secretKeyRef('Secret key holding the provider API key (mounted as a file).');

/** Sandbox sidecar for command execution. */
export const sandbox = () =>
  Type.Object(
    {
      enabled: Type.Optional(Type.Boolean({ default: false })),
      image: Type.Optional(
        Type.String({ minLength: 1, maxLength: 512, description: 'Sandbox container image.' }),
      ),
      resources: Type.Optional(resourceRequirements()),
    },
    {
      description: 'Optional sandbox sidecar in which execute_command runs.',
      ...celRules({
        rule: '!(has(self.enabled) && self.enabled) || has(self.image)',
        message: 'sandbox.image is required when sandbox.enabled is true',
        fieldPath: '.image',
        reason: 'FieldValueRequired',
      }),
    },
  );

/** Provider settings: a key is required for hosted providers, a base URL where there is no default. */
export const providerRules = () =>
  celRules(
    {
      rule: `!has(self.provider) || !(self.provider in ${celList(providersNeedingKey)}) || has(self.authSecretRef)`,
      messageExpression: "'authSecretRef is required for provider ' + self.provider",
      fieldPath: '.authSecretRef',
      reason: 'FieldValueRequired',
    },
    {
      rule: `!has(self.provider) || !(self.provider in ${celList(providersNeedingBaseUrl)}) || has(self.baseURL)`,
      messageExpression: "'baseURL is required for provider ' + self.provider",
      fieldPath: '.baseURL',
      reason: 'FieldValueRequired',
    },
  );

export const toolNamePattern = '^[a-z][a-z0-9_]*$';
export const toolName = () => Type.String({ minLength: 1, maxLength: 64, pattern: toolNamePattern });

export const cpuOrMemory = quantity;
export const agentId = () => dnsLabel({ description: 'Agent identity within the instance.' });
