// The Validating- and MutatingWebhookConfiguration with which tests and benchmarks put a webhook
// process (test/harness/webhook-process.ts) in front of one namespace's writes, failing closed as
// installed; and their removal.
import { ignoreNotFound, type KubeClient } from '../../src/kube/index.ts';

export type WebhookConfigurationKind = 'ValidatingWebhookConfiguration' | 'MutatingWebhookConfiguration';

export interface TestWebhookConfiguration {
  kind: WebhookConfigurationKind;
  name: string;
  /** https://127.0.0.1:<port> of the webhook process. */
  url: string;
  /** The namespace whose writes are sent to it. */
  namespace: string;
  resources: string[];
  operations: string[];
  /** PEM of the CA; without it the webhook's own keeper fills the caBundle in. */
  caCertPem?: string | undefined;
}

export function buildTestWebhookConfiguration(options: TestWebhookConfiguration) {
  const mutating = options.kind === 'MutatingWebhookConfiguration';
  const path = mutating ? 'mutate' : 'validate';
  return {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: options.kind,
    metadata: { name: options.name },
    webhooks: [
      {
        name: `${path}.admission.k8sclaw.io`,
        admissionReviewVersions: ['v1'],
        clientConfig: {
          url: `${options.url}/${path}`,
          ...(options.caCertPem ? { caBundle: Buffer.from(options.caCertPem).toString('base64') } : {}),
        },
        rules: [
          {
            apiGroups: ['k8sclaw.io'],
            apiVersions: ['v1alpha1'],
            operations: options.operations,
            resources: options.resources,
            scope: 'Namespaced',
          },
        ],
        failurePolicy: 'Fail',
        sideEffects: 'None',
        ...(mutating ? { reinvocationPolicy: 'Never' } : {}),
        timeoutSeconds: 5,
        namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': options.namespace } },
      },
    ],
  };
}

/** Deletes both configurations of that name, whichever exist. */
export async function deleteTestWebhookConfigurations(kube: KubeClient, name: string): Promise<void> {
  for (const kind of ['ValidatingWebhookConfiguration', 'MutatingWebhookConfiguration'] as const) {
    await ignoreNotFound(
      kube.objects.delete({ apiVersion: 'admissionregistration.k8s.io/v1', kind, metadata: { name } }),
    );
  }
}
