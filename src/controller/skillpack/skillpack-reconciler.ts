// SkillPack reconciler: keeps ConfigMap skillpack-<name> equal to the pack's skills (owned by the
// pack, so it goes when the pack goes) and the pack's status current.
import { conditionTypes, fieldManagers, skillPackKind, type SkillPack } from '../../api/index.ts';
import {
  isNotFound,
  type EventRecorder,
  type KubeClient,
  type Reconcile,
  type ResourceInformer,
} from '../../kube/index.ts';
import { skillPackConfigMapName } from '../../orchestrator/index.ts';
import { writeStatusIfChanged } from '../write-status.ts';
import { planSkillPack, type ExistingConfigMap } from './plan-skillpack.ts';

export interface SkillPackReconcilerDeps {
  kube: KubeClient;
  skillPacks: ResourceInformer<SkillPack>;
  recorder: EventRecorder;
  now: () => Date;
}

export function createSkillPackReconciler(deps: SkillPackReconcilerDeps): Reconcile {
  return async (key) => {
    const [namespace = '', name = ''] = key.split('/');
    const pack = deps.skillPacks.get(namespace, name);
    if (!pack || pack.metadata.deletionTimestamp) return;
    // read directly, not from the labelled cache: a user's ConfigMap of that name has no label of ours
    let existing: ExistingConfigMap | undefined;
    try {
      const configMap = await deps.kube.core.readNamespacedConfigMap({
        name: skillPackConfigMapName(name),
        namespace,
      });
      existing = {
        ownerUids: (configMap.metadata?.ownerReferences ?? []).filter((o) => o.controller).map((o) => o.uid),
      };
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
    const plan = planSkillPack(pack, existing, deps.now());
    if (plan.apply) await deps.kube.apply(plan.apply, fieldManagers.controller('skillpack'));
    await writeStatusIfChanged(deps.kube, skillPackKind, pack, plan.status);
    const before = pack.status?.conditions?.find((c) => c.type === conditionTypes.ready);
    const after = plan.status.conditions?.find((c) => c.type === conditionTypes.ready);
    if (after && (before?.status !== after.status || before.reason !== after.reason)) {
      await deps.recorder.record(
        pack,
        after.status === 'True' ? 'Normal' : 'Warning',
        after.reason,
        after.message,
      );
    }
  };
}
