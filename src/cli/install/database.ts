// The session store of an install: PostgreSQL run by K8sClaw itself (the default), or an external
// database named by `--database-url` or by a Secret holding its URL (`--database-secret`). Pure
// transforms of the manifests, and the two reads that need the cluster: the password an earlier
// install generated (PostgreSQL was initialised with it, so it is kept), and the checked Secret.
// Passwords and URLs go into Secrets only; nothing here prints them.
import { createHash, randomBytes } from 'node:crypto';
import { undefinedIfNotFound, type KubeClient } from '../../kube/index.ts';
import { CliError } from '../cli-error.ts';
import { UsageError } from '../usage-error.ts';
import { installNamespace, type Manifest } from './manifests.ts';

export const postgresSecretName = 'k8sclaw-postgres';
export const postgresPasswordKey = 'password';
/** The Secret install writes DATABASE_URL into (bundled PostgreSQL or `--database-url`). */
export const apiServerDatabaseSecretName = 'k8sclaw-apiserver-database';
/** The key of DATABASE_URL in that Secret, and in a Secret named by `--database-secret`. */
export const databaseUrlKey = 'DATABASE_URL';
/** Changing it restarts the API server, which reads DATABASE_URL only at start. */
export const databaseHashAnnotation = 'k8sclaw.io/database-hash';
const apiServerDeploymentName = 'k8sclaw-apiserver';
const databaseComponent = 'database';
const bundledUser = 'k8sclaw';
const bundledDatabase = 'k8sclaw';
const bundledService = `k8sclaw-postgres.${installNamespace}.svc:5432`;

export type DatabaseChoice =
  /** PostgreSQL deployed by install, with this superuser password. */
  | { kind: 'bundled'; password: string }
  /** An external database at this URL, stored in the API server's database Secret. */
  | { kind: 'url'; url: string }
  /** An external database whose URL is in this Secret of the install namespace (key DATABASE_URL). */
  | { kind: 'secret'; secretName: string };

export interface DatabaseFlags {
  databaseUrl?: string | undefined;
  databaseSecret?: string | undefined;
}

/** Checks the flags (pure): at most one of them, a PostgreSQL URL, a valid Secret name. */
export function checkDatabaseFlags(flags: DatabaseFlags): void {
  if (flags.databaseUrl !== undefined && flags.databaseSecret !== undefined)
    throw new UsageError('--database-url and --database-secret exclude each other: give one');
  if (flags.databaseUrl !== undefined) {
    let url: URL;
    try {
      url = new URL(flags.databaseUrl);
    } catch {
      // the value may hold a password: never repeat it
      throw new UsageError('--database-url is not a URL (postgresql://user:password@host:5432/database)');
    }
    if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:')
      throw new UsageError(`--database-url must be a postgresql:// URL, not ${url.protocol}//…`);
  }
  if (
    flags.databaseSecret !== undefined &&
    !/^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/.test(flags.databaseSecret)
  )
    throw new UsageError(`--database-secret "${flags.databaseSecret}" is not a valid Secret name`);
}

/** A new superuser password: 32 bytes, hex, so it needs no escaping in a URL or a file. */
export function generatePostgresPassword(): string {
  return randomBytes(32).toString('hex');
}

export function bundledDatabaseUrl(password: string): string {
  return `postgresql://${bundledUser}:${encodeURIComponent(password)}@${bundledService}/${bundledDatabase}`;
}

function secretOf(name: string, component: string, data: Record<string, string>): Manifest {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name,
      namespace: installNamespace,
      labels: { 'app.kubernetes.io/part-of': 'k8sclaw', 'app.kubernetes.io/component': component },
    },
    type: 'Opaque',
    data: Object.fromEntries(
      Object.entries(data).map(([key, value]) => [key, Buffer.from(value).toString('base64')]),
    ),
  };
}

interface EnvVar {
  name: string;
  valueFrom?: { secretKeyRef?: { name: string; key: string } };
}
interface PodTemplate {
  metadata?: { annotations?: Record<string, string> };
  spec: { containers: { env?: EnvVar[] }[] };
}

/**
 * The manifests for a database choice: the bundled one adds its password Secret and the API
 * server's DATABASE_URL Secret after the namespace; an external one drops every database object and
 * either stores the URL or points the API server at the named Secret. The API server's pods carry a
 * hash of the choice, so changing it restarts them.
 */
export function withDatabase(manifests: readonly Manifest[], choice: DatabaseChoice): Manifest[] {
  const secrets: Manifest[] = [];
  if (choice.kind === 'bundled') {
    secrets.push(
      secretOf(postgresSecretName, databaseComponent, { [postgresPasswordKey]: choice.password }),
      secretOf(apiServerDatabaseSecretName, 'apiserver', {
        [databaseUrlKey]: bundledDatabaseUrl(choice.password),
      }),
    );
  } else if (choice.kind === 'url') {
    secrets.push(secretOf(apiServerDatabaseSecretName, 'apiserver', { [databaseUrlKey]: choice.url }));
  }
  const identity =
    choice.kind === 'bundled'
      ? `bundled:${choice.password}`
      : choice.kind === 'url'
        ? `url:${choice.url}`
        : `secret:${choice.secretName}`;
  const hash = createHash('sha256').update(identity).digest('hex').slice(0, 16);
  const result: Manifest[] = [];
  for (const original of manifests) {
    if (
      choice.kind !== 'bundled' &&
      original.metadata.labels?.['app.kubernetes.io/component'] === databaseComponent
    )
      continue;
    const manifest = structuredClone(original);
    result.push(manifest);
    if (manifest.kind === 'Namespace') result.push(...secrets);
    if (manifest.kind !== 'Deployment' || manifest.metadata.name !== apiServerDeploymentName) continue;
    const template = (manifest.spec as { template: PodTemplate }).template;
    template.metadata = {
      ...template.metadata,
      annotations: { ...template.metadata?.annotations, [databaseHashAnnotation]: hash },
    };
    if (choice.kind !== 'secret') continue;
    for (const container of template.spec.containers) {
      for (const variable of container.env ?? []) {
        if (variable.name === databaseUrlKey)
          variable.valueFrom = { secretKeyRef: { name: choice.secretName, key: databaseUrlKey } };
      }
    }
  }
  return result;
}

/** Describes the choice for the install's progress output, without any secret part. */
export function describeDatabase(choice: DatabaseChoice): string {
  switch (choice.kind) {
    case 'bundled':
      return `PostgreSQL in ${installNamespace} (password in Secret ${postgresSecretName})`;
    case 'url':
      return `external PostgreSQL (URL from --database-url, in Secret ${apiServerDatabaseSecretName})`;
    case 'secret':
      return `external PostgreSQL (URL from Secret ${choice.secretName}, key ${databaseUrlKey})`;
  }
}

/**
 * The choice for these flags: for the bundled database, the password an earlier install stored (or
 * a new one, `created`); for `--database-secret`, only once the Secret is there with its key.
 */
export async function resolveDatabaseChoice(
  kube: KubeClient,
  flags: DatabaseFlags,
): Promise<{ choice: DatabaseChoice; created: boolean }> {
  checkDatabaseFlags(flags);
  if (flags.databaseUrl !== undefined)
    return { choice: { kind: 'url', url: flags.databaseUrl }, created: false };
  if (flags.databaseSecret !== undefined) {
    const secretName = flags.databaseSecret;
    const secret = await undefinedIfNotFound(
      kube.core.readNamespacedSecret({ name: secretName, namespace: installNamespace }),
    );
    if (!secret?.data?.[databaseUrlKey]) {
      throw new CliError(
        'DatabaseSecretMissing',
        `Secret ${installNamespace}/${secretName} ${secret ? `has no key ${databaseUrlKey}` : 'does not exist'}; create it first: kubectl create namespace ${installNamespace}; kubectl create secret generic ${secretName} -n ${installNamespace} --from-literal=${databaseUrlKey}=postgresql://…`,
      );
    }
    return { choice: { kind: 'secret', secretName }, created: false };
  }
  const existing = await undefinedIfNotFound(
    kube.core.readNamespacedSecret({ name: postgresSecretName, namespace: installNamespace }),
  );
  const stored = existing?.data?.[postgresPasswordKey];
  if (stored)
    return {
      choice: { kind: 'bundled', password: Buffer.from(stored, 'base64').toString('utf8') },
      created: false,
    };
  return { choice: { kind: 'bundled', password: generatePostgresPassword() }, created: true };
}

/**
 * With an external database, the PostgreSQL an earlier install deployed is not removed (it holds
 * data): a line saying so and how to delete it, or undefined when there is none.
 */
export async function describeLeftoverDatabase(
  kube: KubeClient,
  choice: DatabaseChoice,
): Promise<string | undefined> {
  if (choice.kind === 'bundled') return undefined;
  const statefulSet = await undefinedIfNotFound(
    kube.apps.readNamespacedStatefulSet({ name: postgresSecretName, namespace: installNamespace }),
  );
  if (!statefulSet) return undefined;
  return `the PostgreSQL of an earlier install stays, with its data: once that is no longer needed, kubectl -n ${installNamespace} delete statefulset/${postgresSecretName} service/${postgresSecretName} networkpolicy/${postgresSecretName}-clients secret/${postgresSecretName} pvc/data-${postgresSecretName}-0`;
}
