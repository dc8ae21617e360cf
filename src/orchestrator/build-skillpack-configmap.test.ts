import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildSkillPackConfigMap } from './build-skillpack-configmap.ts';
import { skillPackFixture } from '../../test/fixtures/k8sclaw-objects.ts';
import { skillPackContentHash } from './skill-pack-content-hash.ts';

describe('buildSkillPackConfigMap', () => {
  it('holds one <skill>.md key per skill with its SKILL.md content', () => {
    const configMap = buildSkillPackConfigMap(skillPackFixture());
    assert.equal(configMap.metadata.name, 'skillpack-k8s-ops');
    assert.equal(configMap.metadata.namespace, 'team-a');
    assert.deepEqual(configMap.data, {
      'triage-alerts.md': '# Triage alerts\n',
      'write-standup.md': '# Stand-up note\n',
    });
  });

  it('is labelled and owned by the SkillPack', () => {
    const configMap = buildSkillPackConfigMap(skillPackFixture());
    assert.equal(configMap.metadata.labels['k8sclaw.io/skillpack'], 'k8s-ops');
    assert.equal(configMap.metadata.labels['app.kubernetes.io/component'], 'skillpack');
    assert.deepEqual(configMap.metadata.ownerReferences, [
      {
        apiVersion: 'k8sclaw.io/v1alpha1',
        kind: 'SkillPack',
        name: 'k8s-ops',
        uid: 'uid-skillpack',
        controller: true,
        blockOwnerDeletion: true,
      },
    ]);
  });

  it('keeps a long pack name within the ConfigMap name limit', () => {
    // the longest SkillPack name: 253 characters
    const name = `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(61)}`;
    const configMap = buildSkillPackConfigMap(skillPackFixture((p) => void (p.metadata.name = name)));
    assert.equal(configMap.metadata.name.length, 253);
    assert.match(configMap.metadata.name, /^skillpack-a{63}\.b{63}\.c{63}\.d+-[0-9a-f]{8}$/);
  });
});

describe('skillPackContentHash', () => {
  const base = skillPackContentHash(skillPackFixture());
  const cases: { name: string; modify: Parameters<typeof skillPackFixture>[0]; same: boolean }[] = [
    {
      name: 'the same for reordered object keys',
      modify: (p) =>
        void (p.spec.skills = p.spec.skills.map((s) =>
          Object.fromEntries(Object.entries(s).reverse()),
        ) as typeof p.spec.skills),
      same: true,
    },
    {
      name: 'the same when only runtime requirements change',
      modify: (p) => void (p.spec.runtimeRequirements = { image: 'other' }),
      same: true,
    },
    { name: 'different for reordered skills', modify: (p) => void p.spec.skills.reverse(), same: false },
    {
      name: 'different for changed content',
      modify: (p) => void (p.spec.skills[0] = { name: 'triage-alerts', content: '# Changed\n' }),
      same: false,
    },
    {
      name: 'different for a changed description',
      modify: (p) =>
        void (p.spec.skills[1] = { name: 'write-standup', description: 'new', content: '# Stand-up note\n' }),
      same: false,
    },
  ];

  it('is a sha256 hex digest', () => assert.match(base, /^[0-9a-f]{64}$/));
  for (const c of cases) {
    it(`is ${c.name}`, () => {
      const hash = skillPackContentHash(skillPackFixture(c.modify));
      if (c.same) assert.equal(hash, base);
      else assert.notEqual(hash, base);
    });
  }
});
