// Who keeps the admission webhook's TLS (pure): K8sClaw's own keeper (a CA and serving certificate
// the webhook makes, renews and puts into the caBundle itself), or cert-manager (Certificates and CA
// injection). `auto` picks cert-manager only when the cluster serves its Certificate and Issuer
// kinds, so an install never depends on something that is not there.
import { CliError } from '../cli-error.ts';

export const webhookCertificateChoices = ['auto', 'k8sclaw', 'cert-manager'] as const;
export type WebhookCertificatesChoice = (typeof webhookCertificateChoices)[number];
export type WebhookCertificates = Exclude<WebhookCertificatesChoice, 'auto'>;

/** The CRDs cert-manager mode creates objects of. */
export const certManagerCrdNames = ['certificates.cert-manager.io', 'issuers.cert-manager.io'] as const;
/** The version of those kinds the install writes. */
export const certManagerApiVersion = 'cert-manager.io/v1';

export interface CustomResourceDefinitionLike {
  spec?: { versions?: { name?: string; served?: boolean }[] };
  status?: { conditions?: { type?: string; status?: string }[] };
}

/** Whether every CRD (undefined: absent) is Established and serves the version the install writes. */
export function isCertManagerServed(crds: readonly (CustomResourceDefinitionLike | undefined)[]): boolean {
  const version = certManagerApiVersion.split('/')[1];
  return crds.every(
    (crd) =>
      crd !== undefined &&
      (crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True') ?? false) &&
      (crd.spec?.versions?.some((v) => v.name === version && v.served === true) ?? false),
  );
}

export function chooseWebhookCertificates(
  choice: WebhookCertificatesChoice,
  certManagerServed: boolean,
): WebhookCertificates {
  if (choice === 'auto') return certManagerServed ? 'cert-manager' : 'k8sclaw';
  if (choice === 'cert-manager' && !certManagerServed) {
    throw new CliError(
      'CertManagerMissing',
      `--webhook-certificates cert-manager needs cert-manager in the cluster, but it does not serve ${certManagerCrdNames.join(' and ')} (${certManagerApiVersion}); install cert-manager first, or use --webhook-certificates k8sclaw`,
    );
  }
  return choice;
}

export function describeWebhookCertificates(
  certificates: WebhookCertificates,
  choice: WebhookCertificatesChoice,
): string {
  const how =
    certificates === 'cert-manager'
      ? 'issued by cert-manager, CA injected by its cainjector'
      : 'kept by the webhook itself';
  return choice === 'auto'
    ? `${how} (auto: cert-manager ${certificates === 'cert-manager' ? 'is' : 'is not'} served by the cluster)`
    : how;
}
