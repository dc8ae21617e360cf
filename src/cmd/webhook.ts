// Entry point of the K8sClaw admission webhook: parses configuration from the environment (zod,
// failing fast with the exact variable), gets its serving certificate, serves AdmissionReviews over
// HTTPS and probes on the health port, and on SIGTERM stops taking connections and exits 0.
// The certificate comes from one of two places:
// - K8SCLAW_WEBHOOK_TLS_SECRET (as installed): the webhook keeps its own CA and serving certificate
//   in that Secret, renews them well before they expire, keeps the caBundle of its two webhook
//   configurations current, and serves what the Secret holds (read through the API, so a renewal
//   is served at the next round, not after the kubelet's refresh of a mounted Secret);
//   with K8SCLAW_WEBHOOK_CERTIFICATES=cert-manager, cert-manager keeps that Secret and the caBundle
//   instead: the webhook only reads and serves the Secret, and writes neither (no keeper runs);
// - K8SCLAW_WEBHOOK_TLS_DIR: tls.crt and tls.key from files made elsewhere, re-read when they change.
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { labelValues, labels } from '../api/index.ts';
import { KubeClient } from '../kube/index.ts';
import { createLogger, startHealthServer } from '../observability/index.ts';
import {
  ensureCertificates,
  kubeAdmissionReads,
  patchCaBundles,
  readIssuedTlsSecret,
  readTlsFiles,
  serviceDnsNames,
  startWebhookServer,
  watchTlsFiles,
  type CertificateKeeperOptions,
  type TlsPair,
} from '../webhook/index.ts';

const daySeconds = 24 * 60 * 60;
const configSchema = z
  .object({
    KUBECONFIG: z.string().optional(),
    /** Directory holding tls.crt and tls.key (made elsewhere). */
    K8SCLAW_WEBHOOK_TLS_DIR: z.string().min(1).optional(),
    /** The Secret this webhook keeps its CA and serving certificate in (or reads, see below). */
    K8SCLAW_WEBHOOK_TLS_SECRET: z.string().min(1).optional(),
    /**
     * Who keeps that Secret: the webhook itself, or cert-manager (a Certificate writes it and
     * injects its CA into the configurations; the webhook only reads it).
     */
    K8SCLAW_WEBHOOK_CERTIFICATES: z.enum(['k8sclaw', 'cert-manager']).default('k8sclaw'),
    /** Namespace of that Secret and of the Service (the pod's own). */
    K8SCLAW_WEBHOOK_NAMESPACE: z.string().min(1).default('k8sclaw-system'),
    /** The Service the apiserver calls: the serving certificate is made for its DNS names. */
    K8SCLAW_WEBHOOK_SERVICE: z.string().min(1).default('k8sclaw-webhook'),
    /** Names and IP addresses for the certificate instead of the Service's (comma-separated). */
    K8SCLAW_WEBHOOK_CERT_HOSTS: z.string().min(1).optional(),
    /** Name of the Validating- and the MutatingWebhookConfiguration whose caBundle it keeps. */
    K8SCLAW_WEBHOOK_CONFIGURATION: z.string().min(1).default('k8sclaw-webhook'),
    K8SCLAW_WEBHOOK_CA_VALIDITY_SECONDS: z.coerce
      .number()
      .min(1)
      .default(5 * 365 * daySeconds),
    K8SCLAW_WEBHOOK_CERT_VALIDITY_SECONDS: z.coerce
      .number()
      .min(1)
      .default(365 * daySeconds),
    /** How often the Secret is checked (renewals, another replica's writes). */
    K8SCLAW_WEBHOOK_CERT_CHECK_SECONDS: z.coerce.number().min(0.1).default(60),
    K8SCLAW_WEBHOOK_PORT: z.coerce.number().int().min(0).max(65535).default(8443),
    K8SCLAW_WEBHOOK_HOST: z.string().min(1).default('0.0.0.0'),
    K8SCLAW_HEALTH_PORT: z.coerce.number().int().min(0).max(65535).default(8081),
    K8SCLAW_HEALTH_HOST: z.string().min(1).default('0.0.0.0'),
    /** How often the certificate files are checked for a rotated pair. */
    K8SCLAW_WEBHOOK_TLS_RELOAD_SECONDS: z.coerce.number().min(0.1).default(30),
    /**
     * The user the controller creates sub-agent runs as (default: its ServiceAccount
     * k8sclaw-controller in the webhook's namespace); such a child may carry its parent's model
     * override without that user's right on the Secret.
     */
    K8SCLAW_CONTROLLER_USERNAME: z.string().min(1).optional(),
    LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error']).default('info'),
  })
  .refine((c) => (c.K8SCLAW_WEBHOOK_TLS_DIR === undefined) !== (c.K8SCLAW_WEBHOOK_TLS_SECRET === undefined), {
    message: 'set exactly one of K8SCLAW_WEBHOOK_TLS_DIR and K8SCLAW_WEBHOOK_TLS_SECRET',
    path: ['K8SCLAW_WEBHOOK_TLS_SECRET'],
  })
  .refine((c) => c.K8SCLAW_WEBHOOK_CERTIFICATES === 'k8sclaw' || c.K8SCLAW_WEBHOOK_TLS_SECRET !== undefined, {
    message:
      'K8SCLAW_WEBHOOK_CERTIFICATES=cert-manager needs K8SCLAW_WEBHOOK_TLS_SECRET (the Secret it writes)',
    path: ['K8SCLAW_WEBHOOK_CERTIFICATES'],
  });

const parsed = configSchema.safeParse(process.env);
if (!parsed.success) {
  for (const issue of parsed.error.issues)
    console.error(`invalid configuration: ${issue.path.join('.')}: ${issue.message}`);
  process.exit(2);
}
const config = parsed.data;
const logger = createLogger({ component: 'webhook', level: config.LOG_LEVEL });
const kube = KubeClient.load(config.KUBECONFIG);

const tlsSecret = config.K8SCLAW_WEBHOOK_TLS_SECRET;
const issuedElsewhere = config.K8SCLAW_WEBHOOK_CERTIFICATES === 'cert-manager';
const keeper: CertificateKeeperOptions | undefined =
  tlsSecret && !issuedElsewhere
    ? {
        kube,
        namespace: config.K8SCLAW_WEBHOOK_NAMESPACE,
        secretName: tlsSecret,
        hosts: config.K8SCLAW_WEBHOOK_CERT_HOSTS
          ? config.K8SCLAW_WEBHOOK_CERT_HOSTS.split(',').map((host) => host.trim())
          : serviceDnsNames(config.K8SCLAW_WEBHOOK_SERVICE, config.K8SCLAW_WEBHOOK_NAMESPACE),
        configurationName: config.K8SCLAW_WEBHOOK_CONFIGURATION,
        caValidityMs: config.K8SCLAW_WEBHOOK_CA_VALIDITY_SECONDS * 1000,
        servingValidityMs: config.K8SCLAW_WEBHOOK_CERT_VALIDITY_SECONDS * 1000,
        labels: { [labels.partOf]: labelValues.partOf, [labels.component]: 'webhook' },
      }
    : undefined;

/** One keeper round: the Secret current, then the caBundle, and only then the pair to serve. */
async function keepCertificates(options: CertificateKeeperOptions): Promise<TlsPair> {
  const round = await ensureCertificates(options);
  if (round.plan.action !== 'keep')
    logger.info({ reason: round.plan.reason }, `certificates: ${round.plan.action}`);
  const { patched } = await patchCaBundles(options.kube, options.configurationName, round.caBundle);
  if (patched.length > 0) logger.info({ configurations: patched }, 'caBundle updated');
  return round.pair;
}

/** The pair in the Secret: kept by this webhook's keeper, or issued elsewhere and only read. */
const pairOfSecret: (() => Promise<TlsPair>) | undefined = keeper
  ? () => keepCertificates(keeper)
  : tlsSecret
    ? () => readIssuedTlsSecret(kube, config.K8SCLAW_WEBHOOK_NAMESPACE, tlsSecret)
    : undefined;

/**
 * The first pair; a cluster that does not answer yet, or a Secret its issuer has not written yet,
 * is retried a bounded number of times.
 */
async function firstPair(): Promise<TlsPair> {
  if (!pairOfSecret) return readTlsFiles(config.K8SCLAW_WEBHOOK_TLS_DIR ?? '');
  for (let attempt = 1; ; attempt++) {
    try {
      return await pairOfSecret();
    } catch (error) {
      if (attempt >= 30) throw error;
      logger.warn({ err: error, attempt }, 'the serving certificate could not be prepared; retrying');
      await sleep(2_000);
    }
  }
}

const tls = await firstPair();
let serving = false;
const health = await startHealthServer({
  port: config.K8SCLAW_HEALTH_PORT,
  host: config.K8SCLAW_HEALTH_HOST,
  isReady: () => serving,
});
const server = await startWebhookServer({
  tls,
  reads: kubeAdmissionReads(kube),
  controllerUsername:
    config.K8SCLAW_CONTROLLER_USERNAME ??
    `system:serviceaccount:${config.K8SCLAW_WEBHOOK_NAMESPACE}:k8sclaw-controller`,
  logger,
  port: config.K8SCLAW_WEBHOOK_PORT,
  host: config.K8SCLAW_WEBHOOK_HOST,
});
let stopRenewals: () => void;
if (pairOfSecret) {
  // A pair is served from the round after the one that first saw it: by then every replica's
  // previous round has put its CA into the caBundle (or cert-manager's CA injection has had an
  // interval to), and the apiserver has had a whole interval to take the new bundle up, so no
  // handshake meets a certificate the apiserver does not trust yet.
  let current = tls;
  let pending: TlsPair | undefined;
  let running = false;
  const samePair = (a: TlsPair | undefined, b: TlsPair) => a?.cert === b.cert && a.key === b.key;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    pairOfSecret()
      .then((pair) => {
        if (samePair(current, pair)) {
          pending = undefined;
          return;
        }
        if (!samePair(pending, pair)) {
          pending = pair;
          logger.info('a renewed certificate is in the Secret: serving it from the next round');
          return;
        }
        server.setTls(pair);
        current = pair;
        pending = undefined;
        logger.info('serving the renewed certificate');
      })
      .catch((error: unknown) => logger.warn({ err: error }, 'the certificates could not be checked'))
      .finally(() => (running = false));
  }, config.K8SCLAW_WEBHOOK_CERT_CHECK_SECONDS * 1000);
  timer.unref();
  stopRenewals = () => clearInterval(timer);
} else {
  const tlsWatch = watchTlsFiles({
    dir: config.K8SCLAW_WEBHOOK_TLS_DIR ?? '',
    current: tls,
    intervalMs: config.K8SCLAW_WEBHOOK_TLS_RELOAD_SECONDS * 1000,
    onChange: (pair) => {
      server.setTls(pair);
      logger.info('serving certificate reloaded');
    },
    onError: (error) => logger.warn({ err: error }, 'the serving certificate files could not be reloaded'),
  });
  stopRenewals = () => tlsWatch.stop();
}
serving = true;
logger.info(
  { port: server.port, healthPort: health.port, certificates: config.K8SCLAW_WEBHOOK_CERTIFICATES },
  'webhook serving',
);

await new Promise<void>((resolve) => {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => resolve());
});
serving = false;
logger.info('webhook stopping');
stopRenewals();
await server.close();
await health.close();
logger.info('webhook stopped');
process.exit(0);
