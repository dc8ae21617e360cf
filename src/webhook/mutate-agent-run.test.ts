import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AgentRun, ClawInstance, ClawPolicy } from '../api/index.ts';
import {
  instanceFixture,
  policyFixture,
  runFixture,
  withPolicy,
  type Modifier,
} from '../../test/fixtures/k8sclaw-objects.ts';
import { mutateAgentRun, type JsonPatchOperation } from './mutate-agent-run.ts';

const requireSandbox: Modifier<ClawPolicy> = (policy) => {
  policy.spec.sandboxPolicy = { required: true, defaultImage: 'busybox:1.37' };
};
const runSandbox =
  (sandbox: NonNullable<AgentRun['spec']['sandbox']>): Modifier<AgentRun> =>
  (run) => {
    run.spec.sandbox = sandbox;
  };
const instanceSandbox =
  (sandbox: NonNullable<ClawInstance['spec']['agents']['default']['sandbox']>): Modifier<ClawInstance> =>
  (instance) => {
    instance.spec.agents.default.sandbox = sandbox;
  };

const cases: {
  name: string;
  run?: Modifier<AgentRun>[];
  instance?: Modifier<ClawInstance>[];
  policy?: Modifier<ClawPolicy>[];
  want: JsonPatchOperation[];
}[] = [
  { name: 'no policy: nothing', want: [] },
  { name: 'a policy that does not require a sandbox: nothing', policy: [], want: [] },
  {
    name: 'required, the run has none: the default image is added',
    policy: [requireSandbox],
    want: [{ op: 'add', path: '/spec/sandbox', value: { enabled: true, image: 'busybox:1.37' } }],
  },
  {
    name: "required, the run turned it off: it is turned on with the policy's default image",
    instance: [instanceSandbox({ image: 'alpine:3.22' })],
    policy: [requireSandbox],
    run: [runSandbox({ enabled: false })],
    want: [
      { op: 'add', path: '/spec/sandbox/enabled', value: true },
      { op: 'add', path: '/spec/sandbox/image', value: 'busybox:1.37' },
    ],
  },
  {
    name: 'required and the run has one: nothing',
    policy: [requireSandbox],
    run: [runSandbox({ enabled: true, image: 'alpine:3.22' })],
    want: [],
  },
  {
    name: 'required without a default image: left for validation to refuse',
    policy: [(policy) => (policy.spec.sandboxPolicy = { required: true })],
    want: [],
  },
];

describe('mutateAgentRun', () => {
  for (const c of cases) {
    it(c.name, () => {
      const instance = c.policy
        ? instanceFixture(withPolicy, ...(c.instance ?? []))
        : instanceFixture(...(c.instance ?? []));
      const policy = c.policy ? policyFixture(...c.policy) : undefined;
      assert.deepEqual(mutateAgentRun(runFixture(...(c.run ?? [])), instance, policy), c.want);
    });
  }
  it('leaves a run of a missing instance alone', () => {
    assert.deepEqual(mutateAgentRun(runFixture(), undefined, policyFixture(requireSandbox)), []);
  });
});
