// The admission webhook's TLS through cert-manager (pure): the objects install applies in that mode
// (a self-signed Issuer, a CA Certificate, a CA Issuer from it, and the serving Certificate for the
// webhook Service's names) and the changes to config/'s webhook manifests: both configurations ask
// cert-manager's CA injection for the serving Certificate's CA, the webhook runs without its keeper
// and reads the Secret cert-manager writes, and its RBAC loses every write it only needed to keep
// certificates itself. Nothing here talks to a cluster.
import { labelValues, labels } from '../../api/index.ts';
import { serviceDnsNames } from '../../webhook/index.ts';
import type { Manifest } from './manifests.ts';
import { certManagerApiVersion } from './webhook-certificates.ts';

/** The name of the webhook's Service, Deployment, RBAC and both configurations in config/webhook. */
export const webhookName = 'k8sclaw-webhook';

export const certManagerNames = {
  selfSignedIssuer: 'k8sclaw-webhook-selfsigned',
  caCertificate: 'k8sclaw-webhook-ca',
  caSecret: 'k8sclaw-webhook-ca',
  caIssuer: 'k8sclaw-webhook-ca',
  servingCertificate: 'k8sclaw-webhook',
  /**
   * Not the keeper's Secret (k8sclaw-webhook-tls): that one is Opaque and holds the keeper's CA key,
   * and cert-manager writes kubernetes.io/tls Secrets; apart, neither ever overwrites the other.
   */
  servingSecret: 'k8sclaw-webhook-cert-manager-tls',
} as const;

/** The annotation by which cert-manager's cainjector fills a configuration's caBundle. */
export const injectCaFromAnnotation = 'cert-manager.io/inject-ca-from';

/**
 * Lifetimes. The CA keeps its key when renewed (rotationPolicy Never), so serving certificates of
 * the previous CA certificate verify against the renewed one and an injected caBundle of either
 * trusts both; serving keys are new at every renewal. Renewal starts a third of the way before
 * expiry at the latest, well before anything stops verifying.
 */
export const certManagerDurations = {
  ca: { duration: '43800h0m0s', renewBefore: '8760h0m0s' },
  serving: { duration: '2160h0m0s', renewBefore: '720h0m0s' },
} as const;

const objectLabels = { [labels.partOf]: labelValues.partOf, [labels.component]: 'webhook' };
const issuerRef = (name: string) => ({ name, kind: 'Issuer', group: 'cert-manager.io' });

/** Issuer, CA Certificate, CA Issuer and serving Certificate, in the order they depend on each other. */
export function buildCertManagerObjects(namespace: string, service = webhookName): Manifest[] {
  const metadata = (name: string) => ({ name, namespace, labels: { ...objectLabels } });
  return [
    {
      apiVersion: certManagerApiVersion,
      kind: 'Issuer',
      metadata: metadata(certManagerNames.selfSignedIssuer),
      spec: { selfSigned: {} },
    },
    {
      apiVersion: certManagerApiVersion,
      kind: 'Certificate',
      metadata: metadata(certManagerNames.caCertificate),
      spec: {
        isCA: true,
        commonName: 'k8sclaw-webhook-ca',
        secretName: certManagerNames.caSecret,
        secretTemplate: { labels: { ...objectLabels } },
        ...certManagerDurations.ca,
        privateKey: { algorithm: 'ECDSA', size: 256, rotationPolicy: 'Never' },
        issuerRef: issuerRef(certManagerNames.selfSignedIssuer),
      },
    },
    {
      apiVersion: certManagerApiVersion,
      kind: 'Issuer',
      metadata: metadata(certManagerNames.caIssuer),
      spec: { ca: { secretName: certManagerNames.caSecret } },
    },
    {
      apiVersion: certManagerApiVersion,
      kind: 'Certificate',
      metadata: metadata(certManagerNames.servingCertificate),
      spec: {
        dnsNames: serviceDnsNames(service, namespace),
        secretName: certManagerNames.servingSecret,
        secretTemplate: { labels: { ...objectLabels } },
        ...certManagerDurations.serving,
        usages: ['server auth', 'digital signature'],
        privateKey: { algorithm: 'ECDSA', size: 256, encoding: 'PKCS8', rotationPolicy: 'Always' },
        issuerRef: issuerRef(certManagerNames.caIssuer),
      },
    },
  ];
}

interface Rule {
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  verbs?: string[];
}
interface Container {
  name?: string;
  env?: { name: string; value?: string }[];
}

const admissionKinds = new Set(['ValidatingWebhookConfiguration', 'MutatingWebhookConfiguration']);
const is = (manifest: Manifest, kind: string) =>
  manifest.kind === kind && manifest.metadata.name === webhookName;

function adaptToCertManager(original: Manifest, namespace: string): Manifest {
  const manifest = structuredClone(original);
  if (admissionKinds.has(manifest.kind) && manifest.metadata.name === webhookName) {
    const annotations = (manifest.metadata.annotations ?? {}) as Record<string, string>;
    manifest.metadata.annotations = {
      ...annotations,
      [injectCaFromAnnotation]: `${namespace}/${certManagerNames.servingCertificate}`,
    };
  } else if (is(manifest, 'Deployment')) {
    const spec = manifest.spec as { template: { spec: { containers: Container[] } } };
    for (const container of spec.template.spec.containers) {
      if (!container.env?.some((v) => v.name === 'K8SCLAW_WEBHOOK_TLS_SECRET')) continue;
      container.env = [
        ...container.env.filter(
          (v) => v.name !== 'K8SCLAW_WEBHOOK_TLS_SECRET' && v.name !== 'K8SCLAW_WEBHOOK_CERTIFICATES',
        ),
        { name: 'K8SCLAW_WEBHOOK_TLS_SECRET', value: certManagerNames.servingSecret },
        { name: 'K8SCLAW_WEBHOOK_CERTIFICATES', value: 'cert-manager' },
      ];
    }
  } else if (is(manifest, 'Role')) {
    // reading the one Secret cert-manager writes is all it needs in its namespace
    manifest.rules = [
      {
        apiGroups: [''],
        resources: ['secrets'],
        resourceNames: [certManagerNames.servingSecret],
        verbs: ['get'],
      },
    ];
  } else if (is(manifest, 'ClusterRole')) {
    // the caBundle is cert-manager's to keep
    manifest.rules = ((manifest.rules ?? []) as Rule[]).filter(
      (rule) => !rule.apiGroups?.includes('admissionregistration.k8s.io'),
    );
  }
  return manifest;
}

/**
 * The manifests with the webhook's TLS through cert-manager: its objects just before the webhook's
 * Deployment (whose pods wait for the Secret), and the webhook's manifests adapted.
 */
export function withCertManagerTls(manifests: readonly Manifest[], namespace: string): Manifest[] {
  const adapted = manifests.map((manifest) => adaptToCertManager(manifest, namespace));
  const at = adapted.findIndex((manifest) => is(manifest, 'Deployment'));
  if (at < 0) throw new Error(`no Deployment ${webhookName} among the manifests`);
  return [...adapted.slice(0, at), ...buildCertManagerObjects(namespace), ...adapted.slice(at)];
}
