// When an applied object counts as ready, judged from its live state (pure). Kinds without a
// notion of readiness are ready once applied.

interface LiveObject {
  kind?: string;
  metadata?: { generation?: number };
  spec?: { replicas?: number };
  status?: {
    conditions?: { type?: string; status?: string }[];
    observedGeneration?: number;
    readyReplicas?: number;
    updatedReplicas?: number;
    phase?: string;
  };
}

export interface Readiness {
  ready: boolean;
  /** For progress lines, e.g. "0/1 ready". */
  detail: string;
}

export function assessReadiness(live: LiveObject): Readiness {
  const status = live.status ?? {};
  switch (live.kind) {
    case 'CustomResourceDefinition': {
      const established =
        status.conditions?.some((c) => c.type === 'Established' && c.status === 'True') ?? false;
      return { ready: established, detail: established ? 'established' : 'not established yet' };
    }
    case 'Namespace':
      return { ready: status.phase === 'Active', detail: status.phase ?? 'unknown' };
    case 'Deployment':
    case 'StatefulSet': {
      const wanted = live.spec?.replicas ?? 1;
      const ready = status.readyReplicas ?? 0;
      const current =
        (status.observedGeneration ?? 0) >= (live.metadata?.generation ?? 0) &&
        (status.updatedReplicas ?? 0) >= wanted;
      return { ready: current && ready >= wanted, detail: `${ready}/${wanted} ready` };
    }
    default:
      return { ready: true, detail: 'applied' };
  }
}
