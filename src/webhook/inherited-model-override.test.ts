import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AgentRun } from '../api/index.ts';
import { runFixture, subagentOf, type Modifier } from '../../test/fixtures/k8sclaw-objects.ts';
import { inheritsParentModelOverride, type InheritedOverrideCheck } from './inherited-model-override.ts';

const controller = 'system:serviceaccount:k8sclaw-system:k8sclaw-controller';
const override = {
  baseURL: 'https://models.example.com/v1',
  authSecretRef: { name: 'team-openai', key: 'api-key' },
};
const parent = runFixture((run) => {
  Object.assign(run.metadata, { name: 'lead', uid: 'uid-lead' });
  run.spec.model = structuredClone(override);
});
const childOf = (...modifiers: Modifier<AgentRun>[]) =>
  runFixture(
    subagentOf({ name: 'lead', uid: 'uid-lead' }),
    (run) => {
      Object.assign(run.metadata, { name: 'lead-sub-1' });
      run.spec.model = structuredClone(override);
    },
    ...modifiers,
  );

describe('inheritsParentModelOverride', () => {
  const table: [string, Partial<InheritedOverrideCheck>, boolean][] = [
    ["the controller's child with its parent's very override", {}, true],
    ['created by anyone else', { username: 'alice@example.com' }, false],
    ['no controller user is known', { controllerUsername: undefined }, false],
    ['the parent does not exist', { parent: undefined }, false],
    [
      'a namesake parent (another uid than the owner reference)',
      {
        parent: runFixture(
          (r) => Object.assign(r.metadata, { name: 'lead', uid: 'uid-other' }),
          (r) => void (r.spec.model = structuredClone(override)),
        ),
      },
      false,
    ],
    [
      'another Secret than the parent has',
      {
        run: childOf(
          (r) => void (r.spec.model = { ...override, authSecretRef: { name: 'other', key: 'api-key' } }),
        ),
      },
      false,
    ],
    [
      'another key of the same Secret',
      {
        run: childOf(
          (r) => void (r.spec.model = { ...override, authSecretRef: { name: 'team-openai', key: 'admin' } }),
        ),
      },
      false,
    ],
    [
      'another endpoint than the parent has',
      { run: childOf((r) => void (r.spec.model = { ...override, baseURL: 'https://evil.example.com/v1' })) },
      false,
    ],
    [
      "an override where the parent has none (the instance's endpoint and key)",
      { parent: runFixture((r) => Object.assign(r.metadata, { name: 'lead', uid: 'uid-lead' })) },
      false,
    ],
    [
      "another instance (an endpoint-only override would send that instance's key)",
      { run: childOf((r) => void (r.spec.instanceRef = 'bob')) },
      false,
    ],
    [
      'no controlling owner reference',
      { run: childOf((r) => void (r.metadata.ownerReferences = [])) },
      false,
    ],
    [
      'a run that is no sub-agent',
      { run: childOf((r) => void delete (r.spec as { parent?: unknown }).parent) },
      false,
    ],
  ];
  for (const [name, overrides, want] of table) {
    it(name, () =>
      assert.equal(
        inheritsParentModelOverride({
          run: childOf(),
          parent,
          username: controller,
          controllerUsername: controller,
          ...overrides,
        }),
        want,
      ),
    );
  }
});
