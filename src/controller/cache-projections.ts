// What the controller's caches keep of each kind it watches in numbers (one Job and one pod per
// run): the parts its reconcilers and event mappings read, nothing else. A Job's or a pod's spec
// (the pod template: containers, env, volumes) is most of the object and nothing in the controller
// reads it from a cache; every write builds its object afresh or reads it from the apiserver.
// Every kind also loses kubectl's last-applied annotation, a copy of the object as applied.
//   Jobs: metadata (name, labels for the instance index, owner references), status (conditions,
//     completionTime: observe-run, isJobFinished).
//   Pods (agent and channel): metadata (labels for the run and instance indexes, creation time),
//     status (startTime and container states: observe-run, the instance's channel status).
import type { KubernetesObject } from '../kube/index.ts';

const lastApplied = 'kubectl.kubernetes.io/last-applied-configuration';

type Projection = (object: KubernetesObject) => KubernetesObject;

/** The object without kubectl's last-applied annotation (the object itself, changed in place). */
export const withoutLastApplied: Projection = (object) => {
  const annotations = object.metadata?.annotations;
  if (annotations && lastApplied in annotations) {
    delete annotations[lastApplied];
    if (Object.keys(annotations).length === 0 && object.metadata) delete object.metadata.annotations;
  }
  return object;
};

/** Keeps apiVersion, kind, metadata and the listed top-level fields. */
function keeping(...fields: string[]): Projection {
  return (object) => {
    const kept: Record<string, unknown> = { metadata: withoutLastApplied(object).metadata };
    // items of a built-in kind's list carry no apiVersion and kind
    for (const field of ['apiVersion', 'kind', ...fields]) {
      const value = (object as unknown as Record<string, unknown>)[field];
      if (value !== undefined) kept[field] = value;
    }
    return kept as KubernetesObject;
  };
}

/** Projections by kind; a kind not listed keeps everything but the last-applied annotation. */
export const cacheProjections: Record<string, Projection> = {
  Job: keeping('status'),
  Pod: keeping('status'),
};

export function cacheProjection(kind: string): Projection {
  return cacheProjections[kind] ?? withoutLastApplied;
}
