// AgentRun (short name ar): one agent execution, carried out by one Job. The spec is immutable
// once created, like a Job's template: a changed task is a new run.
import { Type, type Static } from '@sinclair/typebox';
import {
  agentId,
  authSecretRef,
  baseUrl,
  modelName,
  provider,
  providerRules,
  sandbox,
  thinking,
  toolName,
} from './agent-settings.ts';
import {
  celRules,
  conditions,
  dnsSubdomain,
  duration,
  stringEnum,
  stringSet,
  timestamp,
} from './schema-kit.ts';
import type { KindDescriptor } from './kind-descriptor.ts';

export const taskMaxLength = 32768;
export const resultMaxLength = 16384;
export const defaultTtlSecondsAfterFinished = 86400;

export const sessionKey = () =>
  Type.String({
    minLength: 1,
    maxLength: 256,
    pattern: '^[A-Za-z0-9._:/@+=-]+$',
    description: 'Conversation this run belongs to.',
  });

export const agentRunSpecSchema = Type.Object(
  {
    instanceRef: dnsSubdomain({ description: 'ClawInstance in this namespace.' }),
    agentId: Type.Optional(agentId()),
    sessionKey: Type.Optional(sessionKey()),
    task: Type.String({
      minLength: 1,
      maxLength: taskMaxLength,
      description: 'What the agent is asked to do.',
    }),
    systemPrompt: Type.Optional(Type.String({ maxLength: 16384 })),
    model: Type.Optional(
      Type.Object(
        {
          provider: Type.Optional(provider()),
          model: Type.Optional(modelName()),
          baseURL: Type.Optional(baseUrl()),
          thinking: Type.Optional(thinking()),
          authSecretRef: Type.Optional(authSecretRef()),
        },
        { description: "Overrides of the instance's model settings.", ...providerRules() },
      ),
    ),
    skills: Type.Optional(
      stringSet(dnsSubdomain(), { maxItems: 32, description: 'Extra SkillPacks for this run.' }),
    ),
    toolPolicy: Type.Optional(
      Type.Object({
        allow: Type.Optional(stringSet(toolName(), { maxItems: 64 })),
        deny: Type.Optional(stringSet(toolName(), { maxItems: 64 })),
      }),
    ),
    sandbox: Type.Optional(sandbox()),
    parent: Type.Optional(
      Type.Object(
        {
          runName: dnsSubdomain({ description: 'The AgentRun that spawned this one.' }),
          sessionKey: Type.Optional(sessionKey()),
          spawnDepth: Type.Integer({ minimum: 1, maximum: 10 }),
        },
        { description: 'Set on sub-agent runs.' },
      ),
    ),
    timeout: Type.Optional(duration({ description: "Run deadline; defaults to the instance's timeout." })),
    cleanup: Type.Optional(
      stringEnum(['delete', 'keep'] as const, {
        default: 'keep',
        description: 'delete removes the Job and its pod when the run finishes; keep leaves them for logs.',
      }),
    ),
    ttlSecondsAfterFinished: Type.Optional(
      Type.Integer({
        minimum: 0,
        default: defaultTtlSecondsAfterFinished,
        description: 'Finished runs are deleted after this.',
      }),
    ),
  },
  celRules({ rule: 'self == oldSelf', message: 'spec is immutable: create a new AgentRun instead' }),
);

export const runPhases = ['Pending', 'Running', 'Succeeded', 'Failed'] as const;
export type RunPhase = (typeof runPhases)[number];

export const agentRunStatusSchema = Type.Object({
  observedGeneration: Type.Optional(Type.Integer({ minimum: 0 })),
  phase: Type.Optional(stringEnum(runPhases)),
  jobName: Type.Optional(Type.String({ maxLength: 63 })),
  podName: Type.Optional(Type.String({ maxLength: 253 })),
  startedAt: Type.Optional(timestamp()),
  completedAt: Type.Optional(timestamp()),
  duration: Type.Optional(
    Type.String({ maxLength: 32, description: 'completedAt - startedAt, for humans.' }),
  ),
  result: Type.Optional(
    Type.String({
      maxLength: resultMaxLength,
      description: 'Final answer (truncated); the transcript lives in the session store.',
    }),
  ),
  error: Type.Optional(Type.String({ maxLength: 4096 })),
  exitCode: Type.Optional(Type.Integer()),
  tokenUsage: Type.Optional(
    Type.Object({ input: Type.Integer({ minimum: 0 }), output: Type.Integer({ minimum: 0 }) }),
  ),
  toolCalls: Type.Optional(Type.Integer({ minimum: 0 })),
  conditions: Type.Optional(conditions()),
});

export type AgentRunSpec = Static<typeof agentRunSpecSchema>;
export type AgentRunStatus = Static<typeof agentRunStatusSchema>;

export const agentRunKind: KindDescriptor = {
  kind: 'AgentRun',
  plural: 'agentruns',
  singular: 'agentrun',
  shortNames: ['ar'],
  description:
    'One agent execution: a task run by an ephemeral Job with an IPC bridge and an optional sandbox.',
  spec: agentRunSpecSchema,
  status: agentRunStatusSchema,
  // the Job and its pods carry the run's name in a label, which is limited to 63 characters
  rootRules: celRules({
    rule: 'self.metadata.name.size() <= 63',
    message: "metadata.name must be at most 63 characters (it names the run's Job)",
  }),
  printerColumns: [
    { name: 'Instance', type: 'string', jsonPath: '.spec.instanceRef' },
    { name: 'Phase', type: 'string', jsonPath: '.status.phase' },
    { name: 'Pod', type: 'string', jsonPath: '.status.podName' },
    { name: 'Duration', type: 'string', jsonPath: '.status.duration' },
    { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
    // after the contract's columns: empty for a run nobody spawned
    { name: 'Parent', type: 'string', jsonPath: '.spec.parent.runName' },
    { name: 'Task', type: 'string', jsonPath: '.spec.task', priority: 1 },
  ],
};
