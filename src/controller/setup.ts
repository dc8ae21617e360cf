// Which controllers the manager runs, what each watches, and how events map to keys.
import {
  clawInstanceKind,
  clawPolicyKind,
  labelValues,
  labels,
  resourceOf,
  skillPackKind,
  type ClawInstance,
  type ClawPolicy,
  type SkillPack,
} from '../api/index.ts';
import { EventRecorder, ResourceInformer, type KubeClient } from '../kube/index.ts';
import type { ControllerManager } from './manager.ts';
import { createPolicyReconciler } from './policy/policy-reconciler.ts';
import { createSkillPackReconciler } from './skillpack/skillpack-reconciler.ts';

interface OwnedObject {
  metadata?: { namespace?: string; ownerReferences?: { kind: string; name: string; controller?: boolean }[] };
}

/** Keys of the owners of `kind` that control an object (its controller owner reference). */
function ownerKeys(kind: string) {
  return (object: object): string[] => {
    const { metadata } = object as OwnedObject;
    return (metadata?.ownerReferences ?? [])
      .filter((owner) => owner.controller && owner.kind === kind)
      .map((owner) => `${metadata?.namespace ?? ''}/${owner.name}`);
  };
}

export interface ControllerDeps {
  kube: KubeClient;
  now: () => Date;
  onInformerError?: (kind: string, error: unknown, retryInMs: number) => void;
}

export function registerControllers(manager: ControllerManager, deps: ControllerDeps): void {
  const informer = <T extends object>(
    type: { apiVersion: string; kind: string; plural: string },
    labelSelector?: string,
  ) =>
    new ResourceInformer<T>(deps.kube, type, {
      ...(labelSelector ? { labelSelector } : {}),
      onError: (error, retryInMs) => deps.onInformerError?.(type.kind, error, retryInMs),
    });
  const managedBy = `${labels.managedBy}=${labelValues.managedBy}`;
  const policies = informer<ClawPolicy>(resourceOf(clawPolicyKind));
  const instances = informer<ClawInstance>(resourceOf(clawInstanceKind));
  const skillPacks = informer<SkillPack>(resourceOf(skillPackKind));
  const configMaps = informer<object>(
    { apiVersion: 'v1', kind: 'ConfigMap', plural: 'configmaps' },
    managedBy,
  );
  const recorder = new EventRecorder(deps.kube, 'k8sclaw-controller', deps.now);

  manager.register({
    name: 'clawpolicy',
    reconcile: createPolicyReconciler({ kube: deps.kube, policies, instances, now: deps.now }),
    primary: policies as ResourceInformer<object>,
    watches: [
      {
        // any instance change may bind or unbind a policy of its namespace (policyRef may have changed)
        informer: instances as ResourceInformer<object>,
        toKeys: (object) => {
          const namespace = (object as ClawInstance).metadata.namespace;
          return policies.list(namespace).map((p) => `${namespace}/${p.metadata.name}`);
        },
      },
    ],
  });

  manager.register({
    name: 'skillpack',
    reconcile: createSkillPackReconciler({ kube: deps.kube, skillPacks, recorder, now: deps.now }),
    primary: skillPacks as ResourceInformer<object>,
    watches: [{ informer: configMaps, toKeys: ownerKeys('SkillPack') }],
  });
}
