import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { apiVersion, type SkillPack } from '../api/index.ts';
import { admitSkillPack } from './admit-skill-pack.ts';

function packOf(contents: string[]): SkillPack {
  return {
    apiVersion,
    kind: 'SkillPack',
    metadata: { name: 'research', namespace: 'team-a', uid: 'uid-1' },
    spec: { skills: contents.map((content, index) => ({ name: `skill-${index}`, content })) },
  } as SkillPack;
}

describe('admitSkillPack', () => {
  it('admits the largest pack the schema allows in ASCII', () => {
    assert.deepEqual(admitSkillPack(packOf(Array.from({ length: 24 }, () => 'a'.repeat(32768)))), {
      allowed: true,
    });
  });

  it('refuses a pack within the schema whose bytes exceed what a ConfigMap holds', () => {
    // 24 skills of 16,384 three-byte characters: 1,179,648 bytes of content
    const verdict = admitSkillPack(packOf(Array.from({ length: 24 }, () => '漢'.repeat(16384))));
    assert.equal(verdict.allowed, false);
    assert.match(
      verdict.allowed ? '' : verdict.message,
      /^SkillPack research is refused: spec\.skills come to \d+ bytes, more than the 1048576 bytes of the ConfigMap they are mounted from\.$/,
    );
  });
});
