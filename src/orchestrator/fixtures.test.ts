// Object builders for the orchestrator's tests: a valid minimal object of each kind, changed by
// modifier functions per case. Run on its own, the file checks that every fixture passes the shared
// validation, so the cases start from objects the apiserver would accept; imported, it registers
// no tests.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  apiVersion,
  findKind,
  validateObject,
  type AgentRun,
  type ClawInstance,
  type ClawPolicy,
  type SkillPack,
} from '../api/index.ts';

export type Modifier<T> = (object: T) => void;

function apply<T>(object: T, modifiers: readonly Modifier<T>[]): T {
  for (const modify of modifiers) modify(object);
  return object;
}

export const namespace = 'team-a';

export function instanceFixture(...modifiers: Modifier<ClawInstance>[]): ClawInstance {
  return apply<ClawInstance>(
    {
      apiVersion,
      kind: 'ClawInstance',
      metadata: { name: 'alice', namespace, uid: 'uid-instance-alice' },
      spec: {
        agents: {
          default: {
            provider: 'openai',
            model: 'gpt-4o-mini',
            authSecretRef: { name: 'alice-openai', key: 'api-key' },
          },
        },
      },
    },
    modifiers,
  );
}

export function runFixture(...modifiers: Modifier<AgentRun>[]): AgentRun {
  return apply<AgentRun>(
    {
      apiVersion,
      kind: 'AgentRun',
      metadata: { name: 'alice-hello', namespace, uid: 'uid-run-alice-hello' },
      spec: { instanceRef: 'alice', task: 'Say hello.' },
    },
    modifiers,
  );
}

export function policyFixture(...modifiers: Modifier<ClawPolicy>[]): ClawPolicy {
  return apply<ClawPolicy>(
    {
      apiVersion,
      kind: 'ClawPolicy',
      metadata: { name: 'default-policy', namespace, uid: 'uid-policy' },
      spec: {},
    },
    modifiers,
  );
}

export function skillPackFixture(...modifiers: Modifier<SkillPack>[]): SkillPack {
  return apply<SkillPack>(
    {
      apiVersion,
      kind: 'SkillPack',
      metadata: { name: 'k8s-ops', namespace, uid: 'uid-skillpack' },
      spec: {
        skills: [
          { name: 'triage-alerts', description: 'Group alerts.', content: '# Triage alerts\n' },
          { name: 'write-standup', content: '# Stand-up note\n' },
        ],
      },
    },
    modifiers,
  );
}

/** The instance bound to the default policy. */
export const withPolicy: Modifier<ClawInstance> = (instance) => {
  instance.spec.policyRef = 'default-policy';
};

if (import.meta.main) {
  describe('orchestrator fixtures', () => {
    for (const object of [instanceFixture(), runFixture(), policyFixture(), skillPackFixture()]) {
      it(`${object.kind} fixture is a valid object`, () => {
        const kind = findKind(object.kind);
        assert.ok(kind);
        assert.deepEqual(validateObject(kind, object), []);
      });
    }
  });
}
