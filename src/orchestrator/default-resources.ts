// Every container of an agent pod runs with CPU and memory requests and limits: what a run or its
// policy leaves out is filled in from defaults (pure). A default never contradicts what was given:
// a missing limit is at least the given request, and a missing request at most the given limit.
import { parseQuantity } from './parse-quantity.ts';
import type { ResourceRequirements } from './kubernetes-manifests.ts';

type Resource = 'cpu' | 'memory';

function larger(a: string, b: string): string {
  return (parseQuantity(a) ?? 0) >= (parseQuantity(b) ?? 0) ? a : b;
}

function smaller(a: string, b: string): string {
  return (parseQuantity(a) ?? 0) <= (parseQuantity(b) ?? 0) ? a : b;
}

export function withDefaultResources(
  given: ResourceRequirements | undefined,
  defaults: Required<ResourceRequirements>,
): ResourceRequirements {
  const requests: Record<string, string> = { ...given?.requests };
  const limits: Record<string, string> = { ...given?.limits };
  for (const resource of ['cpu', 'memory'] as Resource[]) {
    const request = given?.requests?.[resource];
    const limit = given?.limits?.[resource];
    const defaultRequest = defaults.requests[resource];
    const defaultLimit = defaults.limits[resource];
    if (limit === undefined && defaultLimit !== undefined) {
      limits[resource] = request === undefined ? defaultLimit : larger(request, defaultLimit);
    }
    if (request === undefined && defaultRequest !== undefined) {
      const cap = limits[resource];
      requests[resource] = cap === undefined ? defaultRequest : smaller(defaultRequest, cap);
    }
  }
  return { requests, limits };
}
