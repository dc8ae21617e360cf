import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AgentRun, ClawInstance, ClawPolicy } from '../api/index.ts';
import {
  instanceFixture,
  policyFixture,
  runFixture,
  subagentOf,
  withPolicy,
  type Modifier,
} from '../../test/fixtures/k8sclaw-objects.ts';
import { admitAgentRun, credentialSecretToReview, type AgentRunAdmission } from './admit-agent-run.ts';

interface Case {
  name: string;
  run?: Modifier<AgentRun>[];
  instance?: Modifier<ClawInstance>[] | 'missing';
  /** Modifiers of the bound policy; absent means the instance has no policy. */
  policy?: Modifier<ClawPolicy>[] | 'missing';
  missingSkillPacks?: string[];
  requesterMayGetSecret?: boolean;
  /** The refusal sentence, or undefined when the run is admitted. */
  refused?: RegExp;
}

const allow =
  (...tools: string[]): Modifier<AgentRun> =>
  (run) => {
    run.spec.toolPolicy = { ...run.spec.toolPolicy, allow: tools };
  };
const gates =
  (set: Record<string, boolean>): Modifier<ClawPolicy> =>
  (policy) => {
    policy.spec.featureGates = { ...policy.spec.featureGates, ...set };
  };
const denyTool =
  (tool: string): Modifier<ClawPolicy> =>
  (policy) => {
    policy.spec.toolGating = { rules: [{ tool, action: 'deny' }] };
  };
const model =
  (settings: NonNullable<AgentRun['spec']['model']>): Modifier<AgentRun> =>
  (run) => {
    run.spec.model = settings;
  };
const modelOverridesAllowed: Modifier<ClawPolicy> = (policy) => {
  policy.spec.runOverrides = { model: true };
};

const cases: Case[] = [
  { name: 'a plain run of an instance without policy', refused: undefined },
  {
    name: 'a missing instance is named',
    instance: 'missing',
    refused:
      /^AgentRun alice-hello is refused: spec\.instanceRef names ClawInstance alice, which does not exist in namespace team-a\.$/,
  },
  {
    name: 'an instance being deleted takes no new runs',
    instance: [(instance) => (instance.metadata.deletionTimestamp = '2026-11-30T19:00:00Z')],
    refused:
      /^AgentRun alice-hello is refused: spec\.instanceRef names ClawInstance alice, which is being deleted\.$/,
  },
  {
    name: 'a missing SkillPack is named',
    run: [(run) => (run.spec.skills = ['research'])],
    missingSkillPacks: ['research'],
    refused: /spec\.skills names SkillPack research, which does not exist in namespace team-a\./,
  },
  {
    name: 'a missing policy refuses the run (resolveEffectiveRun)',
    instance: [withPolicy],
    policy: 'missing',
    refused: /^AgentRun alice-hello is refused: ClawPolicy default-policy of instance alice not found\.$/,
  },
  {
    name: 'allowing a tool the policy denies',
    instance: [withPolicy],
    policy: [denyTool('read_file')],
    run: [allow('read_file', 'list_directory')],
    refused:
      /spec\.toolPolicy\.allow lists read_file, which ClawPolicy default-policy denies \(spec\.toolGating\)\./,
  },
  {
    name: 'allowing a tool the default action denies',
    instance: [withPolicy],
    policy: [(policy) => (policy.spec.toolGating = { defaultAction: 'deny' })],
    run: [allow('write_file')],
    refused: /lists write_file, which ClawPolicy default-policy denies/,
  },
  {
    name: 'allowing a tool whose gate the policy turns off',
    instance: [withPolicy],
    policy: [gates({ 'file-access': false })],
    run: [allow('read_file')],
    refused: /lists read_file, whose feature gate file-access is off in ClawPolicy default-policy\./,
  },
  {
    name: 'allowing a tool whose gate is off by default, without policy',
    run: [allow('fetch_url')],
    refused:
      /lists fetch_url, whose feature gate network-access is off by default and instance alice has no ClawPolicy/,
  },
  {
    name: 'allowing a gated-on tool the pod cannot serve (no sandbox)',
    instance: [withPolicy],
    policy: [gates({ 'code-execution': true })],
    run: [allow('execute_command')],
    refused: /lists execute_command, which this run's pod cannot serve under ClawPolicy default-policy/,
  },
  {
    name: 'allowing an unknown tool',
    run: [allow('launch_rockets')],
    refused: /lists launch_rockets, which is not a K8sClaw tool\./,
  },
  {
    name: 'allowing tools the policy offers',
    instance: [withPolicy],
    policy: [gates({ 'network-access': true })],
    run: [allow('fetch_url', 'read_file')],
  },
  {
    name: 'allowing a tool the policy marks ask (offered after approval)',
    instance: [withPolicy],
    policy: [(policy) => (policy.spec.toolGating = { rules: [{ tool: 'read_file', action: 'ask' }] })],
    run: [allow('read_file')],
  },
  {
    name: 'a run denying a tool the policy denies too',
    instance: [withPolicy],
    policy: [denyTool('read_file')],
    run: [(run) => (run.spec.toolPolicy = { deny: ['read_file'] })],
  },
  {
    name: 'overriding authSecretRef without a policy that allows it',
    run: [model({ authSecretRef: { name: 'bob-openai', key: 'api-key' } })],
    requesterMayGetSecret: true,
    refused:
      /^AgentRun alice-hello is refused: spec\.model\.authSecretRef overrides the instance's model credentials, and instance alice has no ClawPolicy to allow that \(spec\.runOverrides\.model\)\.$/,
  },
  {
    name: "overriding baseURL when the instance's policy does not allow it",
    instance: [withPolicy],
    policy: [],
    run: [model({ baseURL: 'https://models.example.com/v1' })],
    requesterMayGetSecret: true,
    refused:
      /spec\.model\.baseURL overrides the instance's model endpoint, and ClawPolicy default-policy does not allow that \(spec\.runOverrides\.model\)\./,
  },
  {
    name: 'overriding authSecretRef without get on the Secret',
    instance: [withPolicy],
    policy: [modelOverridesAllowed],
    run: [model({ authSecretRef: { name: 'bob-openai', key: 'api-key' } })],
    requesterMayGetSecret: false,
    refused:
      /^AgentRun alice-hello is refused: spec\.model\.authSecretRef overrides the model credentials with Secret bob-openai, and user alice@example\.com may not get that Secret\.$/,
  },
  {
    name: 'overriding authSecretRef with get on the Secret',
    instance: [withPolicy],
    policy: [modelOverridesAllowed],
    run: [model({ authSecretRef: { name: 'bob-openai', key: 'api-key' } })],
    requesterMayGetSecret: true,
  },
  {
    name: "overriding baseURL without get on the instance's Secret",
    instance: [withPolicy],
    policy: [modelOverridesAllowed],
    run: [model({ baseURL: 'https://models.example.com/v1' })],
    requesterMayGetSecret: false,
    refused:
      /spec\.model\.baseURL overrides the model endpoint, which would receive the credentials of Secret alice-openai, and user alice@example\.com may not get that Secret\./,
  },
  {
    name: 'an unreviewed override is refused (fail closed)',
    instance: [withPolicy],
    policy: [modelOverridesAllowed],
    run: [model({ baseURL: 'https://models.example.com/v1' })],
    refused: /may not get that Secret/,
  },
  {
    name: 'overriding baseURL when no credentials are sent',
    instance: [
      withPolicy,
      (instance) =>
        (instance.spec.agents.default = {
          provider: 'ollama',
          model: 'llama3',
          baseURL: 'http://ollama:11434',
        }),
    ],
    policy: [modelOverridesAllowed],
    run: [model({ baseURL: 'http://other-ollama:11434' })],
  },
  {
    name: "repeating the instance's own endpoint and key is no override",
    run: [
      model({
        baseURL: 'https://api.openai.com/v1',
        authSecretRef: { name: 'alice-openai', key: 'api-key' },
      }),
    ],
    instance: [(instance) => (instance.spec.agents.default.baseURL = 'https://api.openai.com/v1')],
    requesterMayGetSecret: true,
  },
  {
    name: 'overriding only the model name needs no review',
    run: [model({ model: 'gpt-4o' })],
  },
];

function admissionOf(c: Case): AgentRunAdmission {
  const instance = c.instance === 'missing' ? undefined : instanceFixture(...(c.instance ?? []));
  const policy = c.policy === undefined || c.policy === 'missing' ? undefined : policyFixture(...c.policy);
  return {
    run: runFixture(...(c.run ?? [])),
    instance,
    policy,
    missingSkillPacks: c.missingSkillPacks ?? [],
    username: 'alice@example.com',
    ...(c.requesterMayGetSecret === undefined ? {} : { requesterMayGetSecret: c.requesterMayGetSecret }),
  };
}

describe('admitAgentRun', () => {
  for (const c of cases) {
    it(c.name, () => {
      const verdict = admitAgentRun(admissionOf(c));
      if (c.refused) {
        assert.equal(verdict.allowed, false);
        assert.match(verdict.allowed ? '' : verdict.message, c.refused);
      } else {
        assert.deepEqual(verdict, { allowed: true });
      }
    });
  }
});

describe("admitAgentRun: a sub-agent carrying its parent's override", () => {
  const controllerUsername = 'system:serviceaccount:k8sclaw-system:k8sclaw-controller';
  const override = { authSecretRef: { name: 'bob-openai', key: 'api-key' } };
  const parent = runFixture((run) => {
    Object.assign(run.metadata, { name: 'lead', uid: 'uid-lead' });
    run.spec.model = structuredClone(override);
  });
  const child = runFixture(subagentOf({ name: 'lead', uid: 'uid-lead' }), (run) => {
    run.spec.model = structuredClone(override);
  });
  const admission = (username: string): AgentRunAdmission => ({
    run: child,
    instance: instanceFixture(withPolicy),
    policy: policyFixture(modelOverridesAllowed, gates({ 'sub-agents': true })),
    missingSkillPacks: [],
    username,
    requesterMayGetSecret: false,
    parent,
    controllerUsername,
  });

  it('is admitted when the controller creates it, without its right on the Secret', () => {
    assert.deepEqual(admitAgentRun(admission(controllerUsername)), { allowed: true });
  });

  it('is refused when a user without get on the Secret creates it', () => {
    const verdict = admitAgentRun(admission('mallory@example.com'));
    assert.equal(verdict.allowed, false);
    assert.match(verdict.allowed ? '' : verdict.message, /user mallory@example\.com may not get that Secret/);
  });

  it('still needs the policy: an override its policy does not allow is refused', () => {
    const verdict = admitAgentRun({
      ...admission(controllerUsername),
      policy: policyFixture(gates({ 'sub-agents': true })),
    });
    assert.equal(verdict.allowed, false);
    assert.match(verdict.allowed ? '' : verdict.message, /does not allow that \(spec\.runOverrides\.model\)/);
  });
});

describe('credentialSecretToReview', () => {
  const instance = instanceFixture();
  const table: [string, Modifier<AgentRun>[], string | undefined][] = [
    ['no overrides', [], undefined],
    ['the run names a Secret', [model({ authSecretRef: { name: 'other', key: 'k' } })], 'other'],
    [
      "only the endpoint: the instance's Secret",
      [model({ baseURL: 'https://x.example.com' })],
      'alice-openai',
    ],
    ['only the model name', [model({ model: 'gpt-4o' })], undefined],
  ];
  for (const [name, modifiers, want] of table) {
    it(name, () => assert.equal(credentialSecretToReview(runFixture(...modifiers), instance), want));
  }
});
