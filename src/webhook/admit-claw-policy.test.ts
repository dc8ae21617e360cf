import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ClawInstance, ClawPolicy } from '../api/index.ts';
import {
  instanceFixture,
  policyFixture,
  withPolicy,
  type Modifier,
} from '../../test/fixtures/k8sclaw-objects.ts';
import { admitClawInstance, admitClawPolicy } from './admit-claw-policy.ts';

const sandboxPolicy =
  (rules: NonNullable<ClawPolicy['spec']['sandboxPolicy']>): Modifier<ClawPolicy> =>
  (policy) => {
    policy.spec.sandboxPolicy = rules;
  };
const instanceSandbox =
  (image: string): Modifier<ClawInstance> =>
  (instance) => {
    instance.spec.agents.default.sandbox = { enabled: true, image };
  };

const refusal = (verdict: ReturnType<typeof admitClawPolicy>) =>
  verdict.allowed ? undefined : verdict.message;

describe('admitClawPolicy', () => {
  it('admits a policy its bound instances can run under', () => {
    const policy = policyFixture(sandboxPolicy({ allowedImages: ['sandbox:*'] }));
    assert.deepEqual(admitClawPolicy(policy, [instanceFixture(withPolicy, instanceSandbox('sandbox:1'))]), {
      allowed: true,
    });
  });

  it('refuses browser-automation, which no tool could honour yet, and says so', () => {
    const policy = policyFixture((p) => (p.spec.featureGates = { 'browser-automation': true }));
    assert.equal(
      refusal(admitClawPolicy(policy, [])),
      'ClawPolicy default-policy is refused: spec.featureGates browser-automation cannot be turned on, because K8sClaw has no browser tool yet.',
    );
  });

  it('refuses a default sandbox image outside its own allow-list', () => {
    const policy = policyFixture(
      sandboxPolicy({ defaultImage: 'busybox:1.37', allowedImages: ['sandbox:*'] }),
    );
    assert.equal(
      refusal(admitClawPolicy(policy, [])),
      'ClawPolicy default-policy is refused: spec.sandboxPolicy.defaultImage busybox:1.37 is not in its own spec.sandboxPolicy.allowedImages.',
    );
  });

  it('refuses a change under which no run of a bound instance could start, naming the instance', () => {
    const policy = policyFixture(sandboxPolicy({ allowedImages: ['registry.example.com/sandboxes/*'] }));
    const fine = instanceFixture(withPolicy, (i) => (i.metadata.name = 'fine'));
    const boxed = instanceFixture(withPolicy, instanceSandbox('sandbox:1'));
    assert.equal(
      refusal(admitClawPolicy(policy, [fine, boxed])),
      'ClawPolicy default-policy is refused: no run of ClawInstance alice, which it governs, could start under it: sandbox image sandbox:1 is not in the allowed images of ClawPolicy default-policy (spec.sandboxPolicy.allowedImages).',
    );
  });

  it('refuses a required sandbox without a default image when a bound instance has none', () => {
    const policy = policyFixture(sandboxPolicy({ required: true }));
    assert.match(
      refusal(admitClawPolicy(policy, [instanceFixture(withPolicy)])) ?? '',
      /no run of ClawInstance alice, which it governs, could start under it: ClawPolicy default-policy requires a sandbox and the run has none/,
    );
  });
});

describe('admitClawInstance', () => {
  it('admits an instance whose policy does not exist yet (applied together, any order)', () => {
    assert.deepEqual(admitClawInstance(instanceFixture(withPolicy), undefined), { allowed: true });
  });

  it('refuses an instance none of whose runs could start under its policy', () => {
    const policy = policyFixture(sandboxPolicy({ allowedImages: ['sandbox:2'] }));
    const verdict = admitClawInstance(instanceFixture(withPolicy, instanceSandbox('sandbox:1')), policy);
    assert.equal(
      verdict.allowed ? undefined : verdict.message,
      'ClawInstance alice is refused: no run of it could start under ClawPolicy default-policy: sandbox image sandbox:1 is not in the allowed images of ClawPolicy default-policy (spec.sandboxPolicy.allowedImages).',
    );
  });

  it('admits an instance its policy allows', () => {
    const policy = policyFixture(sandboxPolicy({ allowedImages: ['sandbox:1'] }));
    assert.deepEqual(admitClawInstance(instanceFixture(withPolicy, instanceSandbox('sandbox:1')), policy), {
      allowed: true,
    });
  });
});
