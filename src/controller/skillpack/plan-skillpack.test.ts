import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SkillPack } from '../../api/index.ts';
import { planSkillPack } from './plan-skillpack.ts';

const now = new Date('2026-01-01T00:00:00Z');
const pack: SkillPack = {
  apiVersion: 'k8sclaw.io/v1alpha1',
  kind: 'SkillPack',
  metadata: { name: 'ops', namespace: 'ns', uid: 'pack-uid', generation: 4 },
  spec: {
    skills: [
      { name: 'triage', content: '# Triage' },
      { name: 'standup', content: '# Standup' },
    ],
  },
};

describe('planSkillPack', () => {
  const cases = [
    { name: 'no ConfigMap yet: create it', existing: undefined, applies: true, ready: 'True' },
    { name: 'our ConfigMap: update it', existing: { ownerUids: ['pack-uid'] }, applies: true, ready: 'True' },
    {
      name: "a user's ConfigMap: leave it and say why",
      existing: { ownerUids: [] },
      applies: false,
      ready: 'False',
    },
    {
      name: "another pack's ConfigMap: leave it",
      existing: { ownerUids: ['other-uid'] },
      applies: false,
      ready: 'False',
    },
  ];
  for (const testCase of cases) {
    it(testCase.name, () => {
      const plan = planSkillPack(pack, testCase.existing, now);
      assert.equal(plan.apply !== undefined, testCase.applies);
      const ready = plan.status.conditions?.find((c) => c.type === 'Ready');
      assert.equal(ready?.status, testCase.ready);
      assert.equal(plan.status.skillCount, 2);
      assert.equal(plan.status.observedGeneration, 4);
      assert.match(plan.status.contentHash ?? '', /^[0-9a-f]{64}$/);
      if (testCase.applies) {
        assert.equal(plan.status.configMapName, 'skillpack-ops');
        assert.deepEqual(Object.keys(plan.apply?.data ?? {}).sort(), ['standup.md', 'triage.md']);
      } else {
        assert.equal(plan.status.configMapName, undefined);
        assert.equal(ready?.reason, 'ConfigMapNotOwned');
      }
    });
  }
});
