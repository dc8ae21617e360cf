// What the webhook tests judge against: a tenant whose ClawPolicy `strict` denies read_file and whose
// ClawInstance `alice` is bound to it, a probe (a dry-run AgentRun asking for read_file, which the
// webhook must refuse), and the apiserver's refusal message of a create.
import { agentRunKind, apiVersion, clawPolicyKind, resourceOf } from '../../src/api/index.ts';
import { toKubeError, type KubeClient } from '../../src/kube/index.ts';
import { instanceManifest, runManifest } from '../fixtures/k8sclaw-objects.ts';

/** The apiserver's message when `create` is refused, or undefined when it succeeds. */
export async function refusalOf(create: Promise<unknown>): Promise<string | undefined> {
  try {
    await create;
    return undefined;
  } catch (error) {
    const normalised = toKubeError(error);
    if (normalised instanceof Error) return normalised.message;
    throw error;
  }
}

/** Creates ClawPolicy `policy` with `spec` and ClawInstance `instance` bound to it. */
export async function createPolicyWithInstance(
  kube: KubeClient,
  namespace: string,
  policy: string,
  spec: Record<string, unknown>,
  instance: string,
): Promise<void> {
  await kube.customObjects.createNamespacedCustomObject({
    ...resourceOf(clawPolicyKind),
    namespace,
    body: { apiVersion, kind: 'ClawPolicy', metadata: { name: policy, namespace }, spec },
  });
  await kube.apply(instanceManifest(instance, namespace, {}, { policyRef: policy }), 'k8sclaw-test');
}

/** The strict policy's spec: read_file denied, everything else as the defaults say. */
export const strictPolicySpec = { toolGating: { rules: [{ tool: 'read_file', action: 'deny' }] } };

/** Creates policy `strict` (read_file denied, plus `policySpec`) and instance `alice` bound to it. */
export function createStrictTenant(
  kube: KubeClient,
  namespace: string,
  policySpec: Record<string, unknown> = {},
): Promise<void> {
  return createPolicyWithInstance(kube, namespace, 'strict', { ...strictPolicySpec, ...policySpec }, 'alice');
}

/** A dry-run AgentRun of `alice` asking for read_file: the webhook's refusal, if it judged it. */
export function probeStrictTenant(kube: KubeClient, namespace: string): Promise<string | undefined> {
  return refusalOf(
    kube.customObjects.createNamespacedCustomObject({
      ...resourceOf(agentRunKind),
      namespace,
      body: runManifest('probe', namespace, 'alice', { toolPolicy: { allow: ['read_file'] } }),
      dryRun: 'All',
    }),
  );
}
