import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  featureGateDefaults,
  reasons,
  type AgentRun,
  type ClawInstance,
  type ClawPolicy,
} from '../api/index.ts';
import type { AgentTool } from './agent-tools.ts';
import {
  instanceFixture,
  policyFixture,
  runFixture,
  withPolicy,
  type Modifier,
} from '../../test/fixtures/k8sclaw-objects.ts';
import {
  resolveEffectiveRun,
  subagentCapacityRefusal,
  type EffectiveRun,
  type ResolveEffectiveRunOptions,
} from './resolve-effective-run.ts';

interface Case {
  name: string;
  run?: Modifier<AgentRun>[];
  instance?: Modifier<ClawInstance>[];
  /** Modifiers of the bound policy; absent means the instance has no policy. */
  policy?: Modifier<ClawPolicy>[];
  options?: ResolveEffectiveRunOptions;
  want?: Partial<EffectiveRun>;
  refused?: { reason: string; message: RegExp };
}

const fileTools: AgentTool[] = ['read_file', 'write_file', 'edit_file', 'list_directory'];

const gates =
  (set: Record<string, boolean>): Modifier<ClawPolicy> =>
  (policy) => {
    policy.spec.featureGates = { ...policy.spec.featureGates, ...set };
  };
const instanceSandbox =
  (sandbox: NonNullable<ClawInstance['spec']['agents']['default']['sandbox']>): Modifier<ClawInstance> =>
  (instance) => {
    instance.spec.agents.default.sandbox = sandbox;
  };
const sandboxPolicy =
  (rules: NonNullable<ClawPolicy['spec']['sandboxPolicy']>): Modifier<ClawPolicy> =>
  (policy) => {
    policy.spec.sandboxPolicy = rules;
  };
const overrides =
  (allowed: NonNullable<ClawPolicy['spec']['runOverrides']>): Modifier<ClawPolicy> =>
  (policy) => {
    policy.spec.runOverrides = allowed;
  };
const chatChannels: Modifier<ClawInstance> = (instance) => {
  instance.spec.channels = [
    {
      type: 'telegram',
      secretRef: { name: 'alice-telegram' },
      accessControl: { allowedSenders: ['ada'], allowedChats: ['-1001', '42'] },
    },
    // anyone's chat: none the instance named
    { type: 'slack', secretRef: { name: 'alice-slack' }, accessControl: { allowedSenders: ['U1'] } },
    { type: 'discord', secretRef: { name: 'alice-discord' } },
  ];
};
const subAgentRun =
  (spawnDepth: number): Modifier<AgentRun> =>
  (run) => {
    run.spec.parent = { runName: 'alice-parent', spawnDepth };
  };

const cases: Case[] = [
  {
    name: 'instance defaults with no policy',
    want: {
      instanceName: 'alice',
      provider: 'openai',
      model: 'gpt-4o-mini',
      thinking: 'off',
      authSecretRef: { name: 'alice-openai', key: 'api-key' },
      timeoutSeconds: 600,
      sandbox: { enabled: false },
      featureGates: { ...featureGateDefaults },
      // risky gates are off by default: no commands, no network, no sub-agents
      tools: [...fileTools, 'update_memory'],
      toolsNeedingApproval: [],
      skills: [],
      memory: { enabled: true, configMapName: 'alice-memory', maxSizeKB: 256 },
      agentId: 'primary',
      spawnDepth: 0,
      subagents: { maxDepth: 2, maxConcurrent: 5, maxChildrenPerAgent: 3 },
      network: { denyAll: true, allowDNS: true, allowEventBus: true, allowedEgress: [] },
    },
  },
  {
    name: 'run model fields override the instance fields one by one',
    instance: [(i) => void (i.spec.agents.default.thinking = 'low')],
    run: [(r) => void (r.spec.model = { model: 'gpt-4o', thinking: 'high' })],
    want: {
      provider: 'openai',
      model: 'gpt-4o',
      thinking: 'high',
      authSecretRef: { name: 'alice-openai', key: 'api-key' },
    },
  },
  {
    name: 'run switches provider with its own endpoint and key, as its policy allows',
    instance: [withPolicy],
    policy: [overrides({ model: true })],
    run: [
      (r) =>
        void (r.spec.model = {
          provider: 'openai-compatible',
          baseURL: 'http://vllm.models:8000/v1',
          authSecretRef: { name: 'vllm', key: 'token' },
        }),
    ],
    want: {
      provider: 'openai-compatible',
      model: 'gpt-4o-mini',
      baseURL: 'http://vllm.models:8000/v1',
      authSecretRef: { name: 'vllm', key: 'token' },
    },
  },
  {
    name: 'keyless local provider has no secret',
    instance: [
      (i) =>
        void (i.spec.agents.default = {
          provider: 'ollama',
          model: 'llama3',
          baseURL: 'http://ollama:11434/v1',
        }),
    ],
    want: { provider: 'ollama', baseURL: 'http://ollama:11434/v1', authSecretRef: undefined },
  },
  {
    name: 'run timeout wins and is rounded up to whole seconds',
    instance: [(i) => void (i.spec.agents.default.timeout = '2m')],
    run: [(r) => void (r.spec.timeout = '1h30m500ms')],
    want: { timeoutSeconds: 5401 },
  },
  {
    name: 'sub-second timeout rounds up to one second',
    run: [(r) => void (r.spec.timeout = '500ms')],
    want: { timeoutSeconds: 1 },
  },
  {
    name: 'instance timeout applies when the run sets none',
    instance: [(i) => void (i.spec.agents.default.timeout = '1.5m')],
    want: { timeoutSeconds: 90 },
  },
  {
    name: 'caller default timeout applies when neither sets one',
    options: { defaultTimeout: '30s' },
    want: { timeoutSeconds: 30 },
  },
  {
    name: "run system prompt wins over the instance's",
    instance: [(i) => void (i.spec.memory = { systemPrompt: 'Be brief.' })],
    run: [(r) => void (r.spec.systemPrompt = 'Answer in German.')],
    want: { systemPrompt: 'Answer in German.' },
  },
  {
    name: 'instance system prompt, session key and agent id are carried',
    instance: [(i) => void (i.spec.memory = { systemPrompt: 'Be brief.' })],
    run: [(r) => Object.assign(r.spec, { sessionKey: 'telegram:alice', agentId: 'researcher' })],
    want: { systemPrompt: 'Be brief.', sessionKey: 'telegram:alice', agentId: 'researcher' },
  },
  {
    name: 'skill packs of instance and run, deduplicated in order',
    instance: [(i) => void (i.spec.skills = [{ skillPackRef: 'k8s-ops' }, { skillPackRef: 'common' }])],
    run: [(r) => void (r.spec.skills = ['common', 'extra'])],
    want: {
      skills: [
        { name: 'k8s-ops', configMapName: 'skillpack-k8s-ops' },
        { name: 'common', configMapName: 'skillpack-common' },
        { name: 'extra', configMapName: 'skillpack-extra' },
      ],
    },
  },
  {
    name: 'disabled memory removes the memory tool',
    instance: [(i) => void (i.spec.memory = { enabled: false, maxSizeKB: 64 })],
    want: {
      memory: { enabled: false, configMapName: 'alice-memory', maxSizeKB: 64 },
      tools: fileTools,
    },
  },
  {
    name: 'policy gates overlay the defaults',
    instance: [withPolicy],
    policy: [gates({ 'network-access': true, 'file-access': false, 'memory-write': false })],
    want: {
      policyName: 'default-policy',
      featureGates: {
        ...featureGateDefaults,
        'network-access': true,
        'file-access': false,
        'memory-write': false,
      },
      tools: ['fetch_url'],
    },
  },
  {
    name: 'code execution needs the gate and a sandbox',
    instance: [withPolicy, instanceSandbox({ enabled: true, image: 'sandbox:1' })],
    policy: [gates({ 'code-execution': true })],
    want: {
      sandbox: { enabled: true, image: 'sandbox:1' },
      tools: ['execute_command', ...fileTools, 'update_memory'],
    },
  },
  {
    name: 'code execution gate without a sandbox grants no command tool',
    instance: [withPolicy],
    policy: [gates({ 'code-execution': true })],
    want: { tools: [...fileTools, 'update_memory'] },
  },
  {
    name: 'tool gating: deny by default, rules allow and ask',
    instance: [withPolicy],
    policy: [
      (p) =>
        void (p.spec.toolGating = {
          defaultAction: 'deny',
          rules: [
            { tool: 'read_file', action: 'allow' },
            { tool: 'write_file', action: 'ask' },
          ],
        }),
    ],
    want: { tools: ['read_file', 'write_file'], toolsNeedingApproval: ['write_file'] },
  },
  {
    name: 'tool gating: a deny rule removes one tool, ask by default marks the rest',
    instance: [withPolicy],
    policy: [
      (p) =>
        void (p.spec.toolGating = { defaultAction: 'ask', rules: [{ tool: 'edit_file', action: 'deny' }] }),
    ],
    want: {
      tools: ['read_file', 'write_file', 'list_directory', 'update_memory'],
      toolsNeedingApproval: ['read_file', 'write_file', 'list_directory', 'update_memory'],
    },
  },
  {
    name: 'run allow list intersects and its deny list removes',
    instance: [withPolicy],
    policy: [(p) => void (p.spec.toolGating = { rules: [{ tool: 'list_directory', action: 'ask' }] })],
    run: [
      (r) =>
        void (r.spec.toolPolicy = {
          allow: ['list_directory', 'read_file', 'write_file', 'fetch_url'],
          deny: ['write_file'],
        }),
    ],
    // fetch_url stays out: a run cannot allow what its gates do not
    want: { tools: ['read_file', 'list_directory'], toolsNeedingApproval: ['list_directory'] },
  },
  {
    name: 'an empty run allow list grants no tools',
    run: [(r) => void (r.spec.toolPolicy = { allow: [] })],
    want: { tools: [], toolsNeedingApproval: [] },
  },
  {
    name: 'sub-agent limits are the tighter of instance and policy',
    instance: [
      withPolicy,
      (i) =>
        void (i.spec.agents.default.subagents = { maxDepth: 4, maxConcurrent: 2, maxChildrenPerAgent: 1 }),
    ],
    policy: [(p) => void (p.spec.subagentPolicy = { maxDepth: 1, maxConcurrent: 5 })],
    want: { subagents: { maxDepth: 1, maxConcurrent: 2, maxChildrenPerAgent: 1 } },
  },
  {
    name: 'a sub-agent with depth left may spawn further',
    instance: [withPolicy],
    policy: [gates({ 'sub-agents': true })],
    run: [subAgentRun(1)],
    want: { spawnDepth: 1, tools: [...fileTools, 'update_memory', 'spawn_subagent'] },
  },
  {
    name: 'a sub-agent at the maximum depth runs but cannot spawn',
    instance: [withPolicy],
    policy: [gates({ 'sub-agents': true })],
    run: [subAgentRun(2)],
    want: { spawnDepth: 2, tools: [...fileTools, 'update_memory'] },
  },
  {
    name: 'no chats named: nothing to post to, no send_channel_message',
    instance: [(i) => void (i.spec.channels = [{ type: 'slack', secretRef: { name: 'alice-slack' } }])],
    want: { channelTargets: [], tools: [...fileTools, 'update_memory'] },
  },
  {
    name: 'chats named in allowedChats are targets, and send_channel_message is offered',
    instance: [chatChannels],
    want: {
      channelTargets: [{ channel: 'telegram', chats: ['-1001', '42'] }],
      tools: [...fileTools, 'update_memory', 'send_channel_message'],
    },
  },
  {
    name: 'the policy turns channel-send off: no send_channel_message',
    instance: [withPolicy, chatChannels],
    policy: [gates({ 'channel-send': false })],
    want: { tools: [...fileTools, 'update_memory'] },
  },
  {
    name: "the run's deny list removes send_channel_message",
    instance: [chatChannels],
    run: [(r) => void (r.spec.toolPolicy = { deny: ['send_channel_message'] })],
    want: { tools: [...fileTools, 'update_memory'] },
  },
  {
    name: "run sandbox fields override the instance's, as its policy allows",
    instance: [withPolicy, instanceSandbox({ enabled: true, image: 'sandbox:1' })],
    policy: [overrides({ sandboxImage: true })],
    run: [(r) => void (r.spec.sandbox = { image: 'sandbox:2', resources: { limits: { cpu: '2' } } })],
    want: { sandbox: { enabled: true, image: 'sandbox:2', resources: { limits: { cpu: '2' } } } },
  },
  {
    name: "run turns the instance's sandbox off",
    instance: [instanceSandbox({ enabled: true, image: 'sandbox:1' })],
    run: [(r) => void (r.spec.sandbox = { enabled: false })],
    want: { sandbox: { enabled: false } },
  },
  {
    name: 'required sandbox falls back to the policy default image',
    instance: [withPolicy],
    policy: [sandboxPolicy({ required: true, defaultImage: 'sandbox:default' })],
    want: { sandbox: { enabled: true, image: 'sandbox:default' } },
  },
  {
    name: 'policy maxima become the limits a sandbox does not set',
    instance: [withPolicy],
    policy: [sandboxPolicy({ required: true, defaultImage: 'sb', maxCPU: '1', maxMemory: '512Mi' })],
    run: [(r) => void (r.spec.sandbox = { resources: { requests: { cpu: '250m' } } })],
    want: {
      sandbox: {
        enabled: true,
        image: 'sb',
        resources: { requests: { cpu: '250m' }, limits: { cpu: '1', memory: '512Mi' } },
      },
    },
  },
  {
    name: 'limits within the policy maxima are kept',
    instance: [
      withPolicy,
      instanceSandbox({
        enabled: true,
        image: 'sb',
        resources: { limits: { cpu: '500m', memory: '256Mi' } },
      }),
    ],
    policy: [sandboxPolicy({ maxCPU: '1', maxMemory: '0.5Gi' })],
    want: {
      sandbox: { enabled: true, image: 'sb', resources: { limits: { cpu: '500m', memory: '256Mi' } } },
    },
  },
  {
    name: 'network rules come from the policy',
    instance: [withPolicy],
    policy: [
      (p) =>
        void (p.spec.networkPolicy = {
          denyAll: true,
          allowDNS: false,
          allowedEgress: [{ cidr: '10.0.0.0/8', port: 443 }],
        }),
    ],
    want: {
      network: {
        denyAll: true,
        allowDNS: false,
        allowEventBus: true,
        allowedEgress: [{ cidr: '10.0.0.0/8', port: 443 }],
      },
    },
  },

  {
    name: "a run repeating the policy's default sandbox image (as the mutating webhook writes it) overrides nothing",
    instance: [withPolicy],
    policy: [sandboxPolicy({ required: true, defaultImage: 'sandbox:default' })],
    run: [(r) => void (r.spec.sandbox = { enabled: true, image: 'sandbox:default' })],
    want: { sandbox: { enabled: true, image: 'sandbox:default' } },
  },
  {
    name: 'a sandbox image matching an allowed prefix',
    instance: [withPolicy, instanceSandbox({ enabled: true, image: 'registry.example.com/sandboxes/py:3' })],
    policy: [sandboxPolicy({ allowedImages: ['sandbox:1', 'registry.example.com/sandboxes/*'] })],
    want: { sandbox: { enabled: true, image: 'registry.example.com/sandboxes/py:3' } },
  },
  {
    name: 'refused: a sandbox image outside the allowed images',
    instance: [withPolicy, instanceSandbox({ enabled: true, image: 'registry.example.com/other/py:3' })],
    policy: [sandboxPolicy({ allowedImages: ['sandbox:1', 'registry.example.com/sandboxes/*'] })],
    refused: {
      reason: reasons.policyViolation,
      message:
        /^sandbox image registry\.example\.com\/other\/py:3 is not in the allowed images of ClawPolicy default-policy \(spec\.sandboxPolicy\.allowedImages\)$/,
    },
  },
  {
    name: "refused: a run's own sandbox image when its policy does not allow overrides",
    instance: [withPolicy, instanceSandbox({ enabled: true, image: 'sandbox:1' })],
    policy: [],
    run: [(r) => void (r.spec.sandbox = { image: 'sandbox:2' })],
    refused: {
      reason: reasons.policyViolation,
      message:
        /^spec\.sandbox\.image overrides the instance's sandbox image with sandbox:2, and ClawPolicy default-policy does not allow that \(spec\.runOverrides\.sandboxImage\)$/,
    },
  },
  {
    name: "refused: a run's own sandbox image outside the allowed images, even with overrides allowed",
    instance: [withPolicy, instanceSandbox({ enabled: true, image: 'sandbox:1' })],
    policy: [overrides({ sandboxImage: true }), sandboxPolicy({ allowedImages: ['sandbox:1'] })],
    run: [(r) => void (r.spec.sandbox = { image: 'attacker/sandbox' })],
    refused: {
      reason: reasons.policyViolation,
      message: /sandbox image attacker\/sandbox is not in the allowed images/,
    },
  },
  {
    name: "refused: a run's own model endpoint without a policy",
    run: [(r) => void (r.spec.model = { baseURL: 'https://models.example.com/v1' })],
    refused: {
      reason: reasons.policyViolation,
      message:
        /^spec\.model\.baseURL overrides the instance's model endpoint, and instance alice has no ClawPolicy to allow that \(spec\.runOverrides\.model\)$/,
    },
  },
  {
    name: 'refused: policy requires a sandbox and has no default image',
    instance: [withPolicy],
    policy: [sandboxPolicy({ required: true })],
    refused: { reason: reasons.policyViolation, message: /requires a sandbox/ },
  },
  {
    name: 'refused: sandbox CPU limit above the policy maximum',
    instance: [
      withPolicy,
      instanceSandbox({ enabled: true, image: 'sb', resources: { limits: { cpu: '2' } } }),
    ],
    policy: [sandboxPolicy({ maxCPU: '1500m' })],
    refused: { reason: reasons.policyViolation, message: /limits\.cpu 2 exceeds the policy's maximum 1500m/ },
  },
  {
    name: 'refused: sandbox memory request above the policy maximum',
    instance: [
      withPolicy,
      instanceSandbox({ enabled: true, image: 'sb', resources: { requests: { memory: '1Gi' } } }),
    ],
    policy: [sandboxPolicy({ maxMemory: '512Mi' })],
    refused: { reason: reasons.policyViolation, message: /requests\.memory 1Gi exceeds/ },
  },
  {
    name: 'refused: spawn depth beyond the allowed maximum',
    instance: [withPolicy],
    policy: [gates({ 'sub-agents': true }), (p) => void (p.spec.subagentPolicy = { maxDepth: 1 })],
    run: [subAgentRun(2)],
    refused: {
      reason: reasons.policyViolation,
      message: /spawn depth 2 exceeds the allowed maximum depth 1/,
    },
  },
  {
    name: 'refused: sub-agent run while the sub-agents gate is off',
    run: [subAgentRun(1)],
    refused: { reason: reasons.policyViolation, message: /sub-agents feature gate is off/ },
  },
  {
    name: 'refused: the bound policy is missing',
    instance: [withPolicy],
    refused: { reason: reasons.policyNotFound, message: /ClawPolicy default-policy/ },
  },
  {
    name: 'refused: a different policy than the bound one',
    instance: [(i) => void (i.spec.policyRef = 'strict')],
    policy: [],
    refused: { reason: reasons.policyNotFound, message: /ClawPolicy strict/ },
  },
  {
    name: 'refused: run of another instance',
    run: [(r) => void (r.spec.instanceRef = 'bob')],
    refused: { reason: reasons.invalidSpec, message: /belongs to instance bob/ },
  },
  {
    name: 'refused: hosted provider left without a key',
    instance: [
      (i) => void (i.spec.agents.default = { provider: 'ollama', model: 'llama3', baseURL: 'http://o:1/v1' }),
    ],
    run: [(r) => void (r.spec.model = { provider: 'anthropic' })],
    refused: { reason: reasons.invalidSpec, message: /anthropic needs an authSecretRef/ },
  },
  {
    name: 'refused: zero timeout',
    run: [(r) => void (r.spec.timeout = '0s')],
    refused: { reason: reasons.invalidSpec, message: /timeout 0s/ },
  },
];

describe('resolveEffectiveRun', () => {
  for (const c of cases) {
    it(c.name, () => {
      const policy = c.policy ? policyFixture(...c.policy) : undefined;
      const result = resolveEffectiveRun(
        runFixture(...(c.run ?? [])),
        instanceFixture(...(c.instance ?? [])),
        policy,
        c.options,
      );
      if (c.refused) {
        assert.equal(result.ok, false, 'expected a refusal');
        if (result.ok) return;
        assert.equal(result.reason, c.refused.reason);
        assert.match(result.message, c.refused.message);
        return;
      }
      assert.ok(result.ok, result.ok ? '' : `${result.reason}: ${result.message}`);
      for (const [key, value] of Object.entries(c.want ?? {})) {
        assert.deepEqual(result.effective[key as keyof EffectiveRun], value, key);
      }
    });
  }
});

describe('subagentCapacityRefusal', () => {
  const limits = { maxDepth: 2, maxConcurrent: 3, maxChildrenPerAgent: 2 };
  const counts = { parentName: 'lead', instanceName: 'alice', childrenOfParent: 0, subagentsOfInstance: 0 };
  const cases: { children: number; instance: number; refused?: RegExp }[] = [
    { children: 0, instance: 0 },
    { children: 1, instance: 2 },
    { children: 2, instance: 2, refused: /parent run lead has 2 of at most 2 sub-agent runs running/ },
    { children: 1, instance: 3, refused: /instance alice runs 3 of at most 3 sub-agent runs/ },
    { children: 5, instance: 9, refused: /parent run lead has 5 of at most 2/ },
  ];
  for (const { children, instance, refused } of cases) {
    it(`${children} children of the parent, ${instance} of the instance: ${refused ? 'refused' : 'room'}`, () => {
      const why = subagentCapacityRefusal(limits, {
        ...counts,
        childrenOfParent: children,
        subagentsOfInstance: instance,
      });
      if (refused) assert.match(why ?? '', refused);
      else assert.equal(why, undefined);
    });
  }
});
