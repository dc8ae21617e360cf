// `k8sclaw install [--version V] [--profile P] [--database-url URL | --database-secret NAME] [--dry-run]`:
// applies K8sClaw to the current cluster with server-side apply (idempotent: a second install
// changes nothing), then waits until every object is ready, printing progress. Without a database
// flag it runs PostgreSQL itself for the session store.
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fieldManagers } from '../../api/index.ts';
import type { KubeClient } from '../../kube/index.ts';
import { CliError } from '../cli-error.ts';
import {
  applyProfile,
  describeManifest,
  installNamespace,
  loadManifests,
  loadProfile,
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
import { checkClusterAccess, installPermissions } from '../install/preflight.ts';
import { assessReadiness } from '../install/readiness.ts';

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
}

export type Say = (line: string) => void;

export async function runInstall(kube: KubeClient, options: InstallOptions, say: Say): Promise<Manifest[]> {
  checkDatabaseFlags(options);
  const serverVersion = await checkClusterAccess(kube, installPermissions, 'installing K8sClaw');
  say(
    `Installing K8sClaw ${options.version} (profile ${options.profile ?? 'default'}) into ${kube.server} (Kubernetes ${serverVersion})${options.dryRun ? ' — dry run' : ''}`,
  );
  const profile = await loadProfile(options.configDir, options.profile);
  const database = await resolveDatabaseChoice(kube, {
    databaseUrl: options.databaseUrl,
    databaseSecret: options.databaseSecret,
  });
  const { authority, created } = await loadOrCreateBusAuthority(kube);
  if (created) say('  + a new event bus authority (operator, account, signing key)');
  say(`  session store: ${describeDatabase(database.choice)}${database.created ? ', a new password' : ''}`);
  const leftover = await describeLeftoverDatabase(kube, database.choice);
  if (leftover) say(`  ! ${leftover}`);
  const manifests = withDatabase(
    withBusAuthority(
      applyProfile(await loadManifests(options.configDir), profile, options.version),
      authority,
    ),
    database.choice,
  );
  const namespaceExists = await kube.core.readNamespace({ name: installNamespace }).then(
    () => true,
    () => false,
  );
  for (const manifest of manifests) {
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
  if (options.dryRun) {
    say(`Dry run: nothing was changed.`);
    return manifests;
  }
  await waitUntilReady(kube, manifests, options.timeoutMs ?? 300_000, say);
  say(`K8sClaw ${options.version} is installed in namespace ${installNamespace}.`);
  return manifests;
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
