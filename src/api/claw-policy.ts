// ClawPolicy (short name cp): what the agents of the instances bound to it may do — tool gating,
// feature gates, sandbox, sub-agent and network rules. Enforced at admission and again by the
// controller, by the same code.
import { Type, type Static } from '@sinclair/typebox';
import { toolName } from './agent-settings.ts';
import {
  celRules,
  conditions,
  dnsSubdomain,
  listMap,
  quantity,
  stringEnum,
  stringMap,
} from './schema-kit.ts';
import type { KindDescriptor } from './kind-descriptor.ts';

export const featureGateNames = [
  'code-execution',
  'sub-agents',
  'network-access',
  'file-access',
  'browser-automation',
  'memory-write',
  'channel-send',
] as const;
export type FeatureGate = (typeof featureGateNames)[number];

/** A gate not set by the policy takes this value: risky capabilities are off until granted. */
export const featureGateDefaults: Record<FeatureGate, boolean> = {
  'code-execution': false,
  'sub-agents': false,
  'network-access': false,
  'file-access': true,
  'browser-automation': false,
  'memory-write': true,
  'channel-send': true,
};

export const toolActions = ['allow', 'deny', 'ask'] as const;
export type ToolAction = (typeof toolActions)[number];

const knownGates = `[${featureGateNames.map((n) => `'${n}'`).join(', ')}]`;

export const clawPolicySpecSchema = Type.Object({
  toolGating: Type.Optional(
    Type.Object(
      {
        defaultAction: Type.Optional(
          stringEnum(toolActions, { default: 'allow', description: 'For tools no rule names.' }),
        ),
        rules: Type.Optional(
          listMap(Type.Object({ tool: toolName(), action: stringEnum(toolActions) }), 'tool', {
            maxItems: 128,
          }),
        ),
      },
      { default: {} },
    ),
  ),
  featureGates: Type.Optional(
    stringMap(Type.Boolean(), {
      maxProperties: featureGateNames.length,
      description: `Feature gates: ${featureGateNames.join(', ')}.`,
      ...celRules({
        rule: `self.all(name, name in ${knownGates})`,
        message: `unknown feature gate: the known gates are ${featureGateNames.join(', ')}`,
        reason: 'FieldValueInvalid',
      }),
    }),
  ),
  sandboxPolicy: Type.Optional(
    Type.Object(
      {
        required: Type.Optional(Type.Boolean({ default: false, description: 'Runs must have a sandbox.' })),
        defaultImage: Type.Optional(Type.String({ minLength: 1, maxLength: 512 })),
        maxCPU: Type.Optional(quantity()),
        maxMemory: Type.Optional(quantity()),
        allowHostMounts: Type.Optional(Type.Boolean({ default: false })),
        allowedImages: Type.Optional(
          Type.Array(Type.String({ minLength: 1, maxLength: 512 }), {
            maxItems: 64,
            description:
              'Images a sandbox may run: exact references, or prefixes ending in * (registry.example.com/sandboxes/*). Unset: any image.',
          }),
        ),
      },
      { default: {} },
    ),
  ),
  runOverrides: Type.Optional(
    Type.Object(
      {
        model: Type.Optional(
          Type.Boolean({
            default: false,
            description:
              "Runs may set spec.model.baseURL and spec.model.authSecretRef; the requester must also be allowed to get the Secret whose key would be sent (the instance's or the run's).",
          }),
        ),
        sandboxImage: Type.Optional(
          Type.Boolean({
            default: false,
            description: 'Runs may set spec.sandbox.image (still within sandboxPolicy.allowedImages).',
          }),
        ),
      },
      { default: {}, description: "What a run may change of its instance's model endpoint and sandbox." },
    ),
  ),
  subagentPolicy: Type.Optional(
    Type.Object(
      {
        maxDepth: Type.Optional(
          Type.Integer({
            minimum: 0,
            maximum: 10,
            default: 3,
            description: "Caps the instances' subagents.maxDepth (the tighter one applies).",
          }),
        ),
        maxConcurrent: Type.Optional(
          Type.Integer({
            minimum: 1,
            maximum: 100,
            default: 5,
            description: "Caps the instances' subagents.maxConcurrent (the tighter one applies).",
          }),
        ),
      },
      { default: {} },
    ),
  ),
  networkPolicy: Type.Optional(
    Type.Object(
      {
        denyAll: Type.Optional(Type.Boolean({ default: true })),
        allowDNS: Type.Optional(Type.Boolean({ default: true })),
        allowEventBus: Type.Optional(Type.Boolean({ default: true })),
        allowedEgress: Type.Optional(
          Type.Array(
            Type.Object(
              {
                host: Type.Optional(dnsSubdomain({ description: 'Host name (enforced by the runner).' })),
                cidr: Type.Optional(
                  Type.String({
                    maxLength: 43,
                    pattern: '^([0-9]{1,3}(\\.[0-9]{1,3}){3}/[0-9]{1,2}|[0-9a-fA-F:]+/[0-9]{1,3})$',
                    description: 'CIDR (rendered into the NetworkPolicy).',
                  }),
                ),
                port: Type.Integer({ minimum: 1, maximum: 65535 }),
              },
              celRules({
                rule: 'has(self.host) != has(self.cidr)',
                message: 'exactly one of host or cidr must be set',
              }),
            ),
            { maxItems: 64 },
          ),
        ),
      },
      { default: {} },
    ),
  ),
});

export const clawPolicyStatusSchema = Type.Object({
  observedGeneration: Type.Optional(Type.Integer({ minimum: 0 })),
  boundInstances: Type.Optional(
    Type.Integer({ minimum: 0, description: 'Number of ClawInstances using this policy.' }),
  ),
  boundInstanceNames: Type.Optional(Type.Array(Type.String({ maxLength: 253 }), { maxItems: 1000 })),
  conditions: Type.Optional(conditions()),
});

export type ClawPolicySpec = Static<typeof clawPolicySpecSchema>;
export type ClawPolicyStatus = Static<typeof clawPolicyStatusSchema>;

export const clawPolicyKind: KindDescriptor = {
  kind: 'ClawPolicy',
  plural: 'clawpolicies',
  singular: 'clawpolicy',
  shortNames: ['cp'],
  description:
    'Tool and feature gating, sandbox, sub-agent and network rules for the agents of bound instances.',
  spec: clawPolicySpecSchema,
  status: clawPolicyStatusSchema,
  printerColumns: [
    { name: 'Default Action', type: 'string', jsonPath: '.spec.toolGating.defaultAction' },
    { name: 'Bound', type: 'integer', jsonPath: '.status.boundInstances' },
    { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
  ],
};
