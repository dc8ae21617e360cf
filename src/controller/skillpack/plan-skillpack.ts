// SkillPack reconcile decision (pure): render the ConfigMap unless a ConfigMap of that name exists
// that this pack does not own — a user's ConfigMap is never overwritten — and the status to write.
import { conditionTypes, reasons, type SkillPack, type SkillPackStatus } from '../../api/index.ts';
import {
  buildSkillPackConfigMap,
  skillPackContentHash,
  type ConfigMapManifest,
} from '../../orchestrator/index.ts';
import { setCondition } from '../status-conditions.ts';

export interface ExistingConfigMap {
  ownerUids: string[];
}

export interface SkillPackPlan {
  apply?: ConfigMapManifest;
  status: SkillPackStatus;
}

export function planSkillPack(
  pack: SkillPack,
  existing: ExistingConfigMap | undefined,
  now: Date,
): SkillPackPlan {
  const configMap = buildSkillPackConfigMap(pack);
  const name = configMap.metadata.name;
  const generation = pack.metadata.generation;
  const ownedByOther = existing !== undefined && !existing.ownerUids.includes(pack.metadata.uid ?? '');
  const ready = ownedByOther
    ? {
        type: conditionTypes.ready,
        status: 'False' as const,
        reason: reasons.configMapConflict,
        message: `ConfigMap ${name} exists and is not owned by this SkillPack; it is left untouched (rename or delete it)`,
      }
    : {
        type: conditionTypes.ready,
        status: 'True' as const,
        reason: reasons.reconciled,
        message: `${pack.spec.skills.length} skill(s) in ConfigMap ${name}`,
      };
  return {
    ...(ownedByOther ? {} : { apply: configMap }),
    status: {
      ...(generation !== undefined ? { observedGeneration: generation } : {}),
      ...(ownedByOther ? {} : { configMapName: name }),
      skillCount: pack.spec.skills.length,
      contentHash: skillPackContentHash(pack),
      conditions: setCondition(pack.status?.conditions, ready, now, generation),
    },
  };
}
