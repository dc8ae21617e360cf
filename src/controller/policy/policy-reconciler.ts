// ClawPolicy reconciler: keeps status.boundInstances current as instances come, go and change.
import { clawPolicyKind, type ClawInstance, type ClawPolicy } from '../../api/index.ts';
import type { KubeClient, Reconcile, ResourceInformer } from '../../kube/index.ts';
import { writeStatusIfChanged } from '../write-status.ts';
import { planPolicyStatus } from './plan-policy-status.ts';

export interface PolicyReconcilerDeps {
  kube: KubeClient;
  policies: ResourceInformer<ClawPolicy>;
  instances: ResourceInformer<ClawInstance>;
  now: () => Date;
}

export function createPolicyReconciler(deps: PolicyReconcilerDeps): Reconcile {
  return async (key) => {
    const [namespace = '', name = ''] = key.split('/');
    const policy = deps.policies.get(namespace, name);
    if (!policy || policy.metadata.deletionTimestamp) return;
    const status = planPolicyStatus(policy, deps.instances.list(namespace), deps.now());
    await writeStatusIfChanged(deps.kube, clawPolicyKind, policy, status);
  };
}
