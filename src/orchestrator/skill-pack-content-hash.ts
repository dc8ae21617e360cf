// A content hash of a SkillPack's skills for its status: it changes exactly when what agents would
// load changes. Object keys are sorted before hashing, so a re-serialised but equal spec hashes the
// same; the order of skills is kept, as it is the order agents see them in.
import { createHash } from 'node:crypto';
import type { SkillPack } from '../api/index.ts';

export function skillPackContentHash(pack: Pick<SkillPack, 'spec'>): string {
  return createHash('sha256').update(canonicalJson(pack.spec.skills)).digest('hex');
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value)
      .filter(([, item]) => item !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
