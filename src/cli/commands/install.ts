// `k8sclaw install [--version V] [--profile P] [--database-url URL | --database-secret NAME]
// [--webhook-certificates auto|k8sclaw|cert-manager] [--dry-run]`:
// applies K8sClaw to the current cluster with server-side apply (idempotent: a second install
// changes nothing), then waits until every object is ready, printing progress. Without a database
// flag it runs PostgreSQL itself for the session store. The admission webhook configurations come
// last, once the webhook serves, with the caBundle of the certificates it made itself (or, with
// cert-manager, of the Certificate cert-manager issued, waited for first; its CA injection keeps the
// caBundle current afterwards): they fail closed, so applied earlier they would refuse writes while
// nothing answers them.
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fieldManagers } from '../../api/index.ts';
import { undefinedIfNotFound, type KubeClient } from '../../kube/index.ts';
import { caBundleOfSecret } from '../../webhook/index.ts';
import { CliError } from '../cli-error.ts';
import {
  applyProfile,
  describeManifest,
  installNamespace,
  loadManifests,
  loadProfile,
  splitAdmission,
  webhookTlsSecret,
  withCaBundle,
  type Manifest,
} from '../install/manifests.ts';
import { loadOrCreateBusAuthority, withBusAuthority } from '../install/bus-authority.ts';
import {
  checkDatabaseFlags,
  describeDatabase,
  describeLeftoverDatabase,
  resolveDatabaseChoice,
  withDatabase,
} from '../install/database.ts';
import {
  deleteCertManagerObjects,
  fetchCertManagerServed,
  waitForIssuedSecret,
} from '../install/cert-manager-cluster.ts';
import { certManagerNames, withCertManagerTls } from '../install/cert-manager-tls.ts';
import { checkClusterAccess, installPermissions } from '../install/preflight.ts';
import { assessReadiness } from '../install/readiness.ts';
import {
  chooseWebhookCertificates,
  describeWebhookCertificates,
  type WebhookCertificatesChoice,
} from '../install/webhook-certificates.ts';

export interface InstallOptions {
  configDir: string;
  version: string;
  profile?: string;
  dryRun?: boolean;
  timeoutMs?: number;
  /** An external database's URL instead of the bundled PostgreSQL. */
  databaseUrl?: string;
  /** A Secret in the install namespace holding an external database's URL (key DATABASE_URL). */
  databaseSecret?: string;
  /** Who keeps the admission webhook's TLS; default auto (cert-manager when the cluster serves it). */
  webhookCertificates?: WebhookCertificatesChoice;
}

export type Say = (line: string) => void;

export async function runInstall(kube: KubeClient, options: InstallOptions, say: Say): Promise<Manifest[]> {
  checkDatabaseFlags(options);
  const serverVersion = await checkClusterAccess(kube, installPermissions, 'installing K8sClaw');
  say(
    `Installing K8sClaw ${options.version} (profile ${options.profile ?? 'default'}) into ${kube.server} (Kubernetes ${serverVersion})${options.dryRun ? ' — dry run' : ''}`,
  );
  const profile = await loadProfile(options.configDir, options.profile);
  const certificatesChoice = options.webhookCertificates ?? 'auto';
  const certificates = chooseWebhookCertificates(certificatesChoice, await fetchCertManagerServed(kube));
  const database = await resolveDatabaseChoice(kube, {
    databaseUrl: options.databaseUrl,
    databaseSecret: options.databaseSecret,
  });
  const { authority, created } = await loadOrCreateBusAuthority(kube);
  if (created) say('  + a new event bus authority (operator, account, signing key)');
  say(`  session store: ${describeDatabase(database.choice)}${database.created ? ', a new password' : ''}`);
  const leftover = await describeLeftoverDatabase(kube, database.choice);
  if (leftover) say(`  ! ${leftover}`);
  say(`  webhook certificates: ${describeWebhookCertificates(certificates, certificatesChoice)}`);
  const built = withDatabase(
    withBusAuthority(
      applyProfile(await loadManifests(options.configDir), profile, options.version),
      authority,
    ),
    database.choice,
  );
  const manifests = certificates === 'cert-manager' ? withCertManagerTls(built, installNamespace) : built;
  // the Secret the webhook serves from, whose CA the configurations are applied with
  const webhookSecret = certificates === 'cert-manager' ? certManagerNames.servingSecret : webhookTlsSecret;
  const namespaceExists = await kube.core.readNamespace({ name: installNamespace }).then(
    () => true,
    () => false,
  );
  const applyAll = async (list: Manifest[]) => {
    for (const manifest of list) {
      if (options.dryRun && manifest.metadata.namespace && !namespaceExists) {
        // the server cannot dry-run an object into a namespace that does not exist yet
        say(
          `  - ${describeManifest(manifest)} (not validated: namespace ${installNamespace} does not exist yet)`,
        );
        continue;
      }
      await kube.apply(manifest, fieldManagers.installer, { dryRun: options.dryRun ?? false });
      say(`  ✓ ${describeManifest(manifest)}${options.dryRun ? ' (validated, not applied)' : ''}`);
    }
  };
  const { workloads, admission } = splitAdmission(manifests);
  await applyAll(workloads);
  if (options.dryRun) {
    const current = await readWebhookCaBundle(kube, webhookSecret);
    await applyAll(current === undefined ? admission : withCaBundle(admission, current));
    say(`Dry run: nothing was changed.`);
    return manifests;
  }
  const timeoutMs = options.timeoutMs ?? 300_000;
  if (certificates === 'cert-manager') {
    // the webhook's pods serve only once cert-manager has written their Secret
    say(`  … waiting for cert-manager to issue the webhook's certificate`);
    await waitForIssuedSecret(kube, installNamespace, timeoutMs);
    say(`  ✓ the webhook's certificate is issued`);
  }
  await waitUntilReady(kube, workloads, timeoutMs, say);
  // the webhook made its certificates (or cert-manager issued them) before it became ready
  const caBundle = await readWebhookCaBundle(kube, webhookSecret);
  if (caBundle === undefined) {
    throw new CliError(
      'NotReady',
      `the admission webhook is ready but its Secret ${installNamespace}/${webhookSecret} does not exist; see kubectl logs -n ${installNamespace} deployment/k8sclaw-webhook`,
    );
  }
  // with cert-manager too: the configurations never go without a caBundle while its injection
  // catches up, and it injects the same CA
  const configurations = withCaBundle(admission, caBundle);
  await applyAll(configurations);
  if (certificates === 'k8sclaw') {
    // an earlier install's cert-manager objects, now that nothing asks for their injection
    for (const deleted of await deleteCertManagerObjects(kube, installNamespace))
      say(`  ✓ deleted ${deleted} (cert-manager no longer keeps the webhook's certificates)`);
  }
  say(`K8sClaw ${options.version} is installed in namespace ${installNamespace}.`);
  return [...workloads, ...configurations];
}

/** The caBundle the webhook's Secret stands for, or undefined when there is no Secret yet. */
async function readWebhookCaBundle(kube: KubeClient, name: string): Promise<string | undefined> {
  const secret = await undefinedIfNotFound(
    kube.core.readNamespacedSecret({ namespace: installNamespace, name }),
  );
  if (!secret) return undefined;
  const data = Object.fromEntries(
    Object.entries(secret.data ?? {}).map(([key, value]) => [
      key,
      Buffer.from(value, 'base64').toString('utf8'),
    ]),
  );
  return caBundleOfSecret(data, new Date());
}

async function waitUntilReady(
  kube: KubeClient,
  manifests: Manifest[],
  timeoutMs: number,
  say: Say,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const reported = new Map<string, string>();
  for (const manifest of manifests) {
    const name = describeManifest(manifest);
    for (;;) {
      const live = await kube.objects.read(manifest);
      const readiness = assessReadiness(live as Parameters<typeof assessReadiness>[0]);
      if (readiness.ready) break;
      if (reported.get(name) !== readiness.detail) {
        say(`  … waiting for ${name}: ${readiness.detail}`);
        reported.set(name, readiness.detail);
      }
      if (Date.now() > deadline) {
        throw new CliError(
          'NotReady',
          `${name} is not ready after ${Math.round(timeoutMs / 1000)}s (${readiness.detail}); see kubectl describe ${name.replace(/^([^/]+)\/([^/]+)\/(.+)$/, '$1 -n $2 $3')}`,
        );
      }
      await sleep(1_000);
    }
    if (reported.has(name)) say(`  ✓ ${name} ready`);
  }
}

export function defaultConfigDir(root: string): string {
  return path.join(root, 'config');
}
