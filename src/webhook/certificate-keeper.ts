// Keeps the webhook's TLS material in one Secret and the caBundle of its two configurations
// current, with no manual step: every replica runs this at start and then periodically. A round
// reads the Secret, plans (certificate-plan.ts), writes a renewed pair with optimistic concurrency
// (create, or replace at the resourceVersion read: when replicas race, one write wins and the others
// re-read and keep what it wrote), then patches the caBundle of both configurations. The caller
// serves a renewed pair only from a later round (src/cmd/webhook.ts), so the apiserver trusts a new
// CA before any replica presents a certificate of it.
import { isIP } from 'node:net';
import {
  isAlreadyExists,
  isConflict,
  isNotFound,
  undefinedIfNotFound,
  type KubeClient,
} from '../kube/index.ts';
import {
  caBundleOf,
  planCertificates,
  servingValidityMs,
  type CertificatePlan,
  type TlsSecretFacts,
} from './certificate-plan.ts';
import {
  certificateFacts,
  generateCertificateAuthority,
  isSignedBy,
  issueServingCertificate,
} from './serving-certificate.ts';
import type { TlsPair } from './tls-files.ts';

/** Keys of the Secret. */
export const tlsSecretKeys = {
  caCert: 'ca.crt',
  caKey: 'ca.key',
  previousCaCert: 'previous-ca.crt',
  cert: 'tls.crt',
  key: 'tls.key',
} as const;

export interface CertificateKeeperOptions {
  kube: KubeClient;
  namespace: string;
  secretName: string;
  /** DNS names and IP addresses the serving certificate must be valid for. */
  hosts: string[];
  /** Name of both the Validating- and the MutatingWebhookConfiguration. */
  configurationName: string;
  caValidityMs: number;
  servingValidityMs: number;
  /** Labels of a Secret this creates. */
  labels?: Record<string, string>;
  now?: () => Date;
}

export interface CertificateRound {
  pair: TlsPair;
  caBundle: string;
  /** What this round did to the Secret ('keep' when another replica's write was current). */
  plan: CertificatePlan;
}

type SecretData = Record<string, string>;

const decode = (data: Record<string, string> | undefined): SecretData =>
  Object.fromEntries(
    Object.entries(data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]),
  );
const encode = (data: SecretData): Record<string, string> =>
  Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v, 'utf8').toString('base64')]));

const isIp = (host: string) => isIP(host) !== 0;

async function factsOf(data: SecretData): Promise<TlsSecretFacts> {
  const caCert = data[tlsSecretKeys.caCert];
  const cert = data[tlsSecretKeys.cert];
  const ca = caCert && data[tlsSecretKeys.caKey] ? certificateFacts(caCert) : undefined;
  const serving = cert && data[tlsSecretKeys.key] ? certificateFacts(cert) : undefined;
  return {
    ca,
    serving: serving && caCert ? { ...serving, signedByCa: await isSignedBy(cert ?? '', caCert) } : undefined,
  };
}

async function renew(
  plan: CertificatePlan,
  data: SecretData,
  options: CertificateKeeperOptions,
  now: Date,
): Promise<SecretData> {
  const next: SecretData = { ...data };
  if (plan.action === 'new-ca') {
    const previous = data[tlsSecretKeys.caCert];
    const ca = await generateCertificateAuthority({ validityMs: options.caValidityMs, now });
    next[tlsSecretKeys.caCert] = ca.certPem;
    next[tlsSecretKeys.caKey] = ca.keyPem;
    if (previous && certificateFacts(previous)) next[tlsSecretKeys.previousCaCert] = previous;
    else delete next[tlsSecretKeys.previousCaCert];
  }
  const authority = { certPem: next[tlsSecretKeys.caCert] ?? '', keyPem: next[tlsSecretKeys.caKey] ?? '' };
  const caNotAfter = certificateFacts(authority.certPem)?.notAfter ?? now;
  const serving = await issueServingCertificate(authority, {
    dnsNames: options.hosts.filter((host) => !isIp(host)),
    ipAddresses: options.hosts.filter(isIp),
    validityMs: servingValidityMs(options.servingValidityMs, caNotAfter, now),
    now,
  });
  next[tlsSecretKeys.cert] = serving.certPem;
  next[tlsSecretKeys.key] = serving.keyPem;
  return next;
}

/** The caBundle a Secret's data (decoded) stands for: its CA, and the previous one until it expires. */
export function caBundleOfSecret(data: Record<string, string>, now: Date): string {
  const previous = data[tlsSecretKeys.previousCaCert];
  const previousFacts = previous ? certificateFacts(previous) : undefined;
  return caBundleOf(
    data[tlsSecretKeys.caCert] ?? '',
    previous && previousFacts ? { pem: previous, notAfter: previousFacts.notAfter } : undefined,
    now,
  );
}

function roundOf(data: SecretData, plan: CertificatePlan, now: Date): CertificateRound {
  return {
    pair: { cert: data[tlsSecretKeys.cert] ?? '', key: data[tlsSecretKeys.key] ?? '' },
    caBundle: caBundleOfSecret(data, now),
    plan,
  };
}

/** Bounded: each failed write means another writer succeeded in between. */
const maxWriteAttempts = 5;

/** Makes the Secret hold a current pair (writing one when it does not) and returns it. */
export async function ensureCertificates(options: CertificateKeeperOptions): Promise<CertificateRound> {
  const { kube, namespace, secretName: name } = options;
  for (let attempt = 1; ; attempt++) {
    const now = options.now?.() ?? new Date();
    const secret = await undefinedIfNotFound(kube.core.readNamespacedSecret({ namespace, name }));
    const data = decode(secret?.data);
    const plan = planCertificates(await factsOf(data), options.hosts, now);
    if (plan.action === 'keep') return roundOf(data, plan, now);
    const next = await renew(plan, data, options, now);
    try {
      if (secret) {
        await kube.core.replaceNamespacedSecret({
          namespace,
          name,
          body: { ...secret, data: encode(next) },
        });
      } else {
        await kube.core.createNamespacedSecret({
          namespace,
          body: {
            metadata: { name, namespace, ...(options.labels ? { labels: options.labels } : {}) },
            type: 'Opaque',
            data: encode(next),
          },
        });
      }
      return roundOf(next, plan, now);
    } catch (error) {
      // another replica wrote first: read what it wrote and judge that
      if ((isConflict(error) || isAlreadyExists(error)) && attempt < maxWriteAttempts) continue;
      throw error;
    }
  }
}

/**
 * Sets `caBundle` on every webhook of both configurations, where it differs; a configuration that
 * does not exist (not applied yet, or removed by uninstall) is left alone, never created.
 */
export async function patchCaBundles(
  kube: KubeClient,
  configurationName: string,
  caBundle: string,
): Promise<{ patched: string[] }> {
  const value = Buffer.from(caBundle, 'utf8').toString('base64');
  const api = kube.admissionRegistration;
  const configurations = [
    {
      kind: 'ValidatingWebhookConfiguration',
      read: () => api.readValidatingWebhookConfiguration({ name: configurationName }),
      patch: (body: object[]) => api.patchValidatingWebhookConfiguration({ name: configurationName, body }),
    },
    {
      kind: 'MutatingWebhookConfiguration',
      read: () => api.readMutatingWebhookConfiguration({ name: configurationName }),
      patch: (body: object[]) => api.patchMutatingWebhookConfiguration({ name: configurationName, body }),
    },
  ];
  const patched: string[] = [];
  for (const configuration of configurations) {
    const live = await undefinedIfNotFound(configuration.read());
    const webhooks = live?.webhooks ?? [];
    if (webhooks.every((webhook) => webhook.clientConfig.caBundle === value)) continue;
    // the test operations make the patch fail, not land on the wrong webhook, if the list changed
    const body = webhooks.flatMap((webhook, index) => [
      { op: 'test', path: `/webhooks/${index}/name`, value: webhook.name },
      { op: 'add', path: `/webhooks/${index}/clientConfig/caBundle`, value },
    ]);
    try {
      await configuration.patch(body);
      patched.push(configuration.kind);
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
  }
  return { patched };
}
