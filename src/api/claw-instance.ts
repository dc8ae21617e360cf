// ClawInstance (short name ci): a tenant's gateway — provider defaults, channels, skills, policy
// and memory. The controller keeps its memory ConfigMap and channel Deployments.
import { Type, type Static } from '@sinclair/typebox';
import {
  authSecretRef,
  baseUrl,
  modelName,
  provider,
  providerRules,
  sandbox,
  thinking,
} from './agent-settings.ts';
import {
  celRules,
  conditions,
  dnsSubdomain,
  duration,
  listMap,
  stringEnum,
  stringSet,
  timestamp,
} from './schema-kit.ts';
import type { KindDescriptor } from './kind-descriptor.ts';

export const channelTypes = ['telegram', 'slack', 'discord', 'whatsapp'] as const;
export type ChannelType = (typeof channelTypes)[number];

/** ConfigMaps are capped at 1 MiB; memory stays well below, leaving room for metadata. */
export const memoryMaxSizeKBLimit = 900;

/**
 * The most history one run may be given, in estimated tokens: the history travels in one bus reply,
 * and at three characters a token this stays well under the bus's 1 MiB message limit.
 */
export const historyTokensLimit = 50_000;
export const historyTurnsLimit = 200;
export const defaultHistoryTurns = 20;
export const defaultHistoryTokens = 8_000;

export const agentDefaultsSchema = Type.Object(
  {
    provider: provider(),
    model: modelName(),
    baseURL: Type.Optional(baseUrl()),
    thinking: Type.Optional(thinking()),
    authSecretRef: Type.Optional(authSecretRef()),
    timeout: Type.Optional(duration({ default: '10m', description: 'Default run timeout.' })),
    sandbox: Type.Optional(sandbox()),
    subagents: Type.Optional(
      Type.Object(
        {
          maxDepth: Type.Optional(
            Type.Integer({
              minimum: 0,
              maximum: 10,
              default: 2,
              description: 'How deep spawn_subagent may nest (a run nobody spawned is at depth 0).',
            }),
          ),
          maxConcurrent: Type.Optional(
            Type.Integer({
              minimum: 1,
              maximum: 100,
              default: 5,
              description: 'Unfinished sub-agent runs of the instance at once; a request beyond is refused.',
            }),
          ),
          maxChildrenPerAgent: Type.Optional(
            Type.Integer({
              minimum: 1,
              maximum: 50,
              default: 3,
              description:
                'Unfinished sub-agent runs of one parent run at once; a request beyond is refused.',
            }),
          ),
        },
        // an empty default lets the apiserver fill in every field's own default
        { default: {} },
      ),
    ),
    maxConcurrentRuns: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 1000,
        default: 10,
        description: 'Runs of this instance at once; more wait.',
      }),
    ),
  },
  { description: 'Defaults for every agent run of the instance.', ...providerRules() },
);

export const channelSchema = Type.Object({
  type: stringEnum(channelTypes),
  secretRef: Type.Object({ name: dnsSubdomain({ description: 'Secret with the channel credentials.' }) }),
  accessControl: Type.Optional(
    Type.Object({
      allowedSenders: Type.Optional(
        stringSet(Type.String({ minLength: 1, maxLength: 256 }), { maxItems: 1000 }),
      ),
      allowedChats: Type.Optional(
        stringSet(Type.String({ minLength: 1, maxLength: 256 }), { maxItems: 1000 }),
      ),
      denyMessage: Type.Optional(Type.String({ maxLength: 1024 })),
    }),
  ),
});

export const clawInstanceSpecSchema = Type.Object({
  agents: Type.Object({ default: agentDefaultsSchema }),
  channels: Type.Optional(listMap(channelSchema, 'type', { maxItems: channelTypes.length })),
  skills: Type.Optional(
    listMap(
      Type.Object({ skillPackRef: dnsSubdomain({ description: 'SkillPack in this namespace.' }) }),
      'skillPackRef',
      {
        maxItems: 32,
      },
    ),
  ),
  policyRef: Type.Optional(dnsSubdomain({ description: 'ClawPolicy in this namespace.' })),
  memory: Type.Optional(
    Type.Object(
      {
        enabled: Type.Optional(Type.Boolean({ default: true })),
        maxSizeKB: Type.Optional(Type.Integer({ minimum: 1, maximum: memoryMaxSizeKBLimit, default: 256 })),
        systemPrompt: Type.Optional(Type.String({ maxLength: 16384 })),
      },
      { default: {} },
    ),
  ),
  sessions: Type.Optional(
    Type.Object(
      {
        historyTurns: Type.Optional(
          Type.Integer({
            minimum: 0,
            maximum: historyTurnsLimit,
            default: defaultHistoryTurns,
            description: "Earlier turns of a run's session it sees at most (0: none).",
          }),
        ),
        historyTokens: Type.Optional(
          Type.Integer({
            minimum: 0,
            maximum: historyTokensLimit,
            default: defaultHistoryTokens,
            description: 'Estimated tokens of that history at most; the oldest turns go first.',
          }),
        ),
      },
      { default: {}, description: 'How much of its conversation a run with a sessionKey sees.' },
    ),
  ),
});

export const instancePhases = ['Pending', 'Ready', 'Degraded', 'Error'] as const;
export const channelStatuses = ['Pending', 'Connected', 'Disconnected', 'Unavailable', 'Error'] as const;

export const clawInstanceStatusSchema = Type.Object({
  observedGeneration: Type.Optional(Type.Integer({ minimum: 0 })),
  phase: Type.Optional(stringEnum(instancePhases)),
  channels: Type.Optional(
    listMap(
      Type.Object({
        type: stringEnum(channelTypes),
        status: stringEnum(channelStatuses),
        lastHealthCheck: Type.Optional(timestamp()),
        message: Type.Optional(Type.String({ maxLength: 1024 })),
      }),
      'type',
      { maxItems: channelTypes.length },
    ),
  ),
  activeRuns: Type.Optional(Type.Integer({ minimum: 0 })),
  totalRuns: Type.Optional(Type.Integer({ minimum: 0 })),
  memoryConfigMap: Type.Optional(Type.String({ maxLength: 253 })),
  conditions: Type.Optional(conditions()),
});

export type ClawInstanceSpec = Static<typeof clawInstanceSpecSchema>;
export type ClawInstanceStatus = Static<typeof clawInstanceStatusSchema>;

export const clawInstanceKind: KindDescriptor = {
  kind: 'ClawInstance',
  plural: 'clawinstances',
  singular: 'clawinstance',
  shortNames: ['ci'],
  description: 'A tenant gateway: provider defaults, channels, skills, policy and persistent memory.',
  spec: clawInstanceSpecSchema,
  status: clawInstanceStatusSchema,
  // derived names (<name>-memory, <name>-channel-whatsapp) must stay valid DNS labels
  rootRules: celRules({
    rule: 'self.metadata.name.size() <= 42',
    message:
      'metadata.name must be at most 42 characters (names of its ConfigMap and channel Deployments derive from it)',
  }),
  printerColumns: [
    { name: 'Phase', type: 'string', jsonPath: '.status.phase' },
    { name: 'Provider', type: 'string', jsonPath: '.spec.agents.default.provider' },
    { name: 'Model', type: 'string', jsonPath: '.spec.agents.default.model' },
    { name: 'Active', type: 'integer', jsonPath: '.status.activeRuns' },
    { name: 'Total', type: 'integer', jsonPath: '.status.totalRuns' },
    { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
  ],
};
