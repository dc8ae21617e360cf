// Mutation of a new AgentRun, pure: when its ClawPolicy requires a sandbox, the stored run says so
// (spec.sandbox enabled, with the image the run will get), so `kubectl get -o yaml` shows what will
// run. Which sandbox that is comes from resolveEffectiveRun, the controller's own resolution; a run
// it refuses is left as it is for the validating webhook to refuse with the reason.
import type { AgentRun, ClawInstance, ClawPolicy } from '../api/index.ts';
import { resolveEffectiveRun } from '../orchestrator/index.ts';

/** An RFC 6902 operation, as AdmissionReview's JSONPatch carries them. */
export interface JsonPatchOperation {
  op: 'add';
  path: string;
  value: unknown;
}

export function mutateAgentRun(
  run: AgentRun,
  instance: ClawInstance | undefined,
  policy: ClawPolicy | undefined,
): JsonPatchOperation[] {
  if (!instance || policy?.spec.sandboxPolicy?.required !== true) return [];
  const resolved = resolveEffectiveRun(run, instance, policy);
  if (!resolved.ok || !resolved.effective.sandbox.enabled) return [];
  const { image } = resolved.effective.sandbox;
  const own = run.spec.sandbox;
  if (!own) return [{ op: 'add', path: '/spec/sandbox', value: { enabled: true, image } }];
  const operations: JsonPatchOperation[] = [];
  if (own.enabled !== true) operations.push({ op: 'add', path: '/spec/sandbox/enabled', value: true });
  if (own.image === undefined) operations.push({ op: 'add', path: '/spec/sandbox/image', value: image });
  return operations;
}
