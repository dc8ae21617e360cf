// Bad input against the real apiserver: every object in the table is rejected, and the message
// names the offending field. The valid base objects are accepted, so each rejection is caused by
// the one change the case makes.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { apiVersion, findKind } from '../../../src/api/index.ts';
import { KubeApiError, toKubeError } from '../../../src/kube/index.ts';
import { installCrds } from '../../harness/crds.ts';
import { integrationKubeClient } from '../../harness/integration.ts';
import { createTestNamespace, deleteTestNamespace } from '../../harness/test-namespace.ts';

type Spec = Record<string, unknown>;
const bases: Record<string, Spec> = {
  ClawInstance: {
    agents: {
      default: { provider: 'openai', model: 'gpt-4o', authSecretRef: { name: 'k', key: 'api-key' } },
    },
  },
  AgentRun: { instanceRef: 'alice', task: 'say hello' },
  ClawPolicy: {},
  SkillPack: { skills: [{ name: 'a', content: '# A' }] },
  ClawSchedule: { instanceRef: 'alice', schedule: '0 9 * * *', task: 'standup' },
};

interface InvalidCase {
  name: string;
  kind: keyof typeof bases;
  /** Mutates a copy of the valid base spec. */
  change: (spec: Spec) => void;
  /** The field the apiserver's message must name. */
  field: string;
  objectName?: string;
}

const agentDefaults = (spec: Spec) => (spec.agents as { default: Spec }).default;
const cases: InvalidCase[] = [
  {
    name: 'unknown provider',
    kind: 'ClawInstance',
    change: (s) => void (agentDefaults(s).provider = 'skynet'),
    field: 'spec.agents.default.provider',
  },
  {
    name: 'missing model',
    kind: 'ClawInstance',
    change: (s) => void delete agentDefaults(s).model,
    field: 'spec.agents.default.model',
  },
  {
    name: 'hosted provider without a key',
    kind: 'ClawInstance',
    change: (s) => void delete agentDefaults(s).authSecretRef,
    field: 'spec.agents.default.authSecretRef',
  },
  {
    name: 'azure without a base URL',
    kind: 'ClawInstance',
    change: (s) => void (agentDefaults(s).provider = 'azure-openai'),
    field: 'spec.agents.default.baseURL',
  },
  {
    name: 'unknown thinking level',
    kind: 'ClawInstance',
    change: (s) => void (agentDefaults(s).thinking = 'extreme'),
    field: 'spec.agents.default.thinking',
  },
  {
    name: 'bad duration',
    kind: 'ClawInstance',
    change: (s) => void (agentDefaults(s).timeout = '10 minutes'),
    field: 'spec.agents.default.timeout',
  },
  {
    name: 'sandbox enabled without image',
    kind: 'ClawInstance',
    change: (s) => void (agentDefaults(s).sandbox = { enabled: true }),
    field: 'spec.agents.default.sandbox.image',
  },
  {
    name: 'zero sub-agent concurrency',
    kind: 'ClawInstance',
    change: (s) => void (agentDefaults(s).subagents = { maxConcurrent: 0 }),
    field: 'spec.agents.default.subagents.maxConcurrent',
  },
  {
    name: 'negative run limit',
    kind: 'ClawInstance',
    change: (s) => void (agentDefaults(s).maxConcurrentRuns = -1),
    field: 'spec.agents.default.maxConcurrentRuns',
  },
  {
    name: 'memory above the ConfigMap cap',
    kind: 'ClawInstance',
    change: (s) => void (s.memory = { maxSizeKB: 2048 }),
    field: 'spec.memory.maxSizeKB',
  },
  {
    name: 'history turns above the limit',
    kind: 'ClawInstance',
    change: (s) => void (s.sessions = { historyTurns: 201 }),
    field: 'spec.sessions.historyTurns',
  },
  {
    name: 'negative history tokens',
    kind: 'ClawInstance',
    change: (s) => void (s.sessions = { historyTokens: -1 }),
    field: 'spec.sessions.historyTokens',
  },
  {
    name: 'unknown channel type',
    kind: 'ClawInstance',
    change: (s) => void (s.channels = [{ type: 'irc', secretRef: { name: 'x' } }]),
    field: 'spec.channels[0].type',
  },
  {
    name: 'channel without secretRef',
    kind: 'ClawInstance',
    change: (s) => void (s.channels = [{ type: 'slack' }]),
    field: 'spec.channels[0].secretRef',
  },
  {
    name: 'duplicate channel type',
    kind: 'ClawInstance',
    change: (s) =>
      void (s.channels = [
        { type: 'slack', secretRef: { name: 'a' } },
        { type: 'slack', secretRef: { name: 'b' } },
      ]),
    field: 'spec.channels[1]',
  },
  {
    name: 'policyRef not a DNS name',
    kind: 'ClawInstance',
    change: (s) => void (s.policyRef = 'Bad_Name'),
    field: 'spec.policyRef',
  },
  {
    name: 'instance name too long for derived names',
    kind: 'ClawInstance',
    change: () => undefined,
    field: 'metadata.name',
    objectName: 'a'.repeat(43),
  },
  {
    name: 'run without instanceRef',
    kind: 'AgentRun',
    change: (s) => void delete s.instanceRef,
    field: 'spec.instanceRef',
  },
  { name: 'run without task', kind: 'AgentRun', change: (s) => void delete s.task, field: 'spec.task' },
  {
    name: 'oversized task',
    kind: 'AgentRun',
    change: (s) => void (s.task = 'x'.repeat(32769)),
    field: 'spec.task',
  },
  {
    name: 'unknown cleanup mode',
    kind: 'AgentRun',
    change: (s) => void (s.cleanup = 'sometimes'),
    field: 'spec.cleanup',
  },
  {
    name: 'negative TTL',
    kind: 'AgentRun',
    change: (s) => void (s.ttlSecondsAfterFinished = -1),
    field: 'spec.ttlSecondsAfterFinished',
  },
  {
    name: 'sub-agent depth zero',
    kind: 'AgentRun',
    change: (s) => void (s.parent = { runName: 'p', spawnDepth: 0 }),
    field: 'spec.parent.spawnDepth',
  },
  {
    name: 'parent without runName',
    kind: 'AgentRun',
    change: (s) => void (s.parent = { spawnDepth: 1 }),
    field: 'spec.parent.runName',
  },
  {
    name: 'tool name with spaces',
    kind: 'AgentRun',
    change: (s) => void (s.toolPolicy = { allow: ['Bad Tool'] }),
    field: 'spec.toolPolicy.allow[0]',
  },
  {
    name: 'duration without unit',
    kind: 'AgentRun',
    change: (s) => void (s.timeout = '5'),
    field: 'spec.timeout',
  },
  {
    name: 'bad resource quantity',
    kind: 'AgentRun',
    change: (s) => void (s.sandbox = { enabled: true, image: 'i', resources: { limits: { cpu: 'lots' } } }),
    field: 'spec.sandbox.resources.limits.cpu',
  },
  {
    name: 'non-http base URL',
    kind: 'AgentRun',
    change: (s) => void (s.model = { baseURL: 'ftp://models.local' }),
    field: 'spec.model.baseURL',
  },
  {
    name: 'unknown feature gate',
    kind: 'ClawPolicy',
    change: (s) => void (s.featureGates = { 'code-execution': true, teleportation: true }),
    field: 'spec.featureGates',
  },
  {
    name: 'unknown default action',
    kind: 'ClawPolicy',
    change: (s) => void (s.toolGating = { defaultAction: 'maybe' }),
    field: 'spec.toolGating.defaultAction',
  },
  {
    name: 'unknown rule action',
    kind: 'ClawPolicy',
    change: (s) => void (s.toolGating = { rules: [{ tool: 'read_file', action: 'perhaps' }] }),
    field: 'spec.toolGating.rules[0].action',
  },
  {
    name: 'egress with host and cidr',
    kind: 'ClawPolicy',
    change: (s) =>
      void (s.networkPolicy = { allowedEgress: [{ host: 'a.example', cidr: '10.0.0.0/8', port: 443 }] }),
    field: 'spec.networkPolicy.allowedEgress[0]',
  },
  {
    name: 'egress port out of range',
    kind: 'ClawPolicy',
    change: (s) => void (s.networkPolicy = { allowedEgress: [{ cidr: '10.0.0.0/8', port: 70000 }] }),
    field: 'spec.networkPolicy.allowedEgress[0].port',
  },
  {
    name: 'bad memory quantity',
    kind: 'ClawPolicy',
    change: (s) => void (s.sandboxPolicy = { maxMemory: 'a lot' }),
    field: 'spec.sandboxPolicy.maxMemory',
  },
  {
    name: 'negative sub-agent depth',
    kind: 'ClawPolicy',
    change: (s) => void (s.subagentPolicy = { maxDepth: -1 }),
    field: 'spec.subagentPolicy.maxDepth',
  },
  { name: 'no skills', kind: 'SkillPack', change: (s) => void (s.skills = []), field: 'spec.skills' },
  {
    name: 'skill name not a DNS label',
    kind: 'SkillPack',
    change: (s) => void (s.skills = [{ name: 'Not A Label', content: 'x' }]),
    field: 'spec.skills[0].name',
  },
  {
    name: 'oversized skill content',
    kind: 'SkillPack',
    change: (s) => void (s.skills = [{ name: 'big', content: 'x'.repeat(32769) }]),
    field: 'spec.skills[0].content',
  },
  {
    name: 'duplicate skill names',
    kind: 'SkillPack',
    change: (s) =>
      void (s.skills = [
        { name: 'a', content: 'x' },
        { name: 'a', content: 'y' },
      ]),
    field: 'spec.skills[1]',
  },
  {
    name: 'cron minute out of range',
    kind: 'ClawSchedule',
    change: (s) => void (s.schedule = '61 * * * *'),
    field: 'spec.schedule',
  },
  {
    name: 'cron with three fields',
    kind: 'ClawSchedule',
    change: (s) => void (s.schedule = '* * *'),
    field: 'spec.schedule',
  },
  {
    name: 'unknown cron macro',
    kind: 'ClawSchedule',
    change: (s) => void (s.schedule = '@every 5m'),
    field: 'spec.schedule',
  },
  {
    name: 'unknown concurrency policy',
    kind: 'ClawSchedule',
    change: (s) => void (s.concurrencyPolicy = 'Sometimes'),
    field: 'spec.concurrencyPolicy',
  },
  {
    name: 'unknown schedule type',
    kind: 'ClawSchedule',
    change: (s) => void (s.type = 'weekly'),
    field: 'spec.type',
  },
  {
    name: 'zero starting deadline',
    kind: 'ClawSchedule',
    change: (s) => void (s.startingDeadlineSeconds = 0),
    field: 'spec.startingDeadlineSeconds',
  },
  {
    name: 'negative history limit',
    kind: 'ClawSchedule',
    change: (s) => void (s.successfulRunsHistoryLimit = -1),
    field: 'spec.successfulRunsHistoryLimit',
  },
  {
    name: 'malformed time zone',
    kind: 'ClawSchedule',
    change: (s) => void (s.timeZone = 'Not a zone!'),
    field: 'spec.timeZone',
  },
  {
    name: 'schedule name too long for run names',
    kind: 'ClawSchedule',
    change: () => undefined,
    field: 'metadata.name',
    objectName: 's'.repeat(53),
  },
];

describe('invalid objects are rejected by the apiserver with the field named', () => {
  const kube = integrationKubeClient();
  let namespace = '';
  before(async () => {
    await installCrds(kube);
    namespace = await createTestNamespace(kube, 'invalid-objects');
  });
  after(async () => {
    await deleteTestNamespace(kube, namespace);
  });

  const create = (kindName: string, name: string, spec: Spec) => {
    const kind = findKind(kindName);
    if (!kind) throw new Error(`unknown kind ${kindName}`);
    return kube.customObjects.createNamespacedCustomObject({
      group: 'k8sclaw.io',
      version: 'v1alpha1',
      namespace,
      plural: kind.plural,
      body: { apiVersion, kind: kind.kind, metadata: { name }, spec },
    });
  };

  it('has at least 25 cases', () => {
    assert.ok(cases.length >= 25, `only ${cases.length} cases`);
  });

  for (const [kindName, spec] of Object.entries(bases)) {
    it(`accepts the valid base ${kindName}`, async () => {
      await create(kindName, `valid-${kindName.toLowerCase()}`, structuredClone(spec));
    });
  }

  cases.forEach((testCase, index) => {
    it(`rejects ${testCase.kind}: ${testCase.name}`, async () => {
      const spec = structuredClone(bases[testCase.kind] ?? {});
      testCase.change(spec);
      const error = await create(testCase.kind, testCase.objectName ?? `bad-${index}`, spec).then(
        () => undefined,
        (e: unknown) => toKubeError(e),
      );
      assert.ok(error instanceof KubeApiError, `${testCase.name} must be rejected`);
      assert.equal(error.status, 422, error.message);
      assert.ok(
        error.message.includes(testCase.field),
        `message must name ${testCase.field}: ${error.message}`,
      );
    });
  });
});
