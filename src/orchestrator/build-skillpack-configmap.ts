// The ConfigMap `skillpack-<pack>` a SkillPack is rendered into, owned by the SkillPack.
//
// Key convention: one key per skill, `<skill>.md`, holding the skill's SKILL.md content. ConfigMap
// keys may not contain '/', so the agent Job projects each key to `<pack>/<skill>/SKILL.md` under
// /skills with the volume's `items`; skill names are DNS labels (no dots), so a key maps back to
// exactly one skill.
import { labels, type SkillPack } from '../api/index.ts';
import { buildOwnerReference } from './build-owner-reference.ts';
import { skillPackConfigMapName } from './child-names.ts';
import type { ConfigMapManifest } from './kubernetes-manifests.ts';
import { buildObjectLabels } from './object-labels.ts';

export function skillConfigMapKey(skillName: string): string {
  return `${skillName}.md`;
}

export function buildSkillPackConfigMap(pack: SkillPack): ConfigMapManifest {
  const data: Record<string, string> = {};
  for (const skill of pack.spec.skills) data[skillConfigMapKey(skill.name)] = skill.content;
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: skillPackConfigMapName(pack.metadata.name),
      namespace: pack.metadata.namespace,
      labels: buildObjectLabels('skillpack', { [labels.skillPack]: pack.metadata.name }),
      ownerReferences: [buildOwnerReference(pack)],
    },
    data,
  };
}
