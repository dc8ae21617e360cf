// Which controllers the manager runs, what each watches, and how events map to keys.
import {
  clawInstanceKind,
  clawPolicyKind,
  resourceOf,
  type ClawInstance,
  type ClawPolicy,
} from '../api/index.ts';
import { ResourceInformer, type KubeClient } from '../kube/index.ts';
import type { ControllerManager } from './manager.ts';
import { createPolicyReconciler } from './policy/policy-reconciler.ts';

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
  const policies = informer<ClawPolicy>(resourceOf(clawPolicyKind));
  const instances = informer<ClawInstance>(resourceOf(clawInstanceKind));

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
}
