import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { packageRoot } from '../package-root.ts';
import { UsageError } from '../usage-error.ts';
import {
  apiServerDatabaseSecretName,
  bundledDatabaseUrl,
  checkDatabaseFlags,
  databaseHashAnnotation,
  describeDatabase,
  generatePostgresPassword,
  postgresSecretName,
  withDatabase,
  type DatabaseChoice,
} from './database.ts';
import { describeManifest, loadManifests, type Manifest } from './manifests.ts';

const configDir = path.join(packageRoot(), 'config');

interface Container {
  env?: { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }[];
}
interface Template {
  metadata?: { annotations?: Record<string, string> };
  spec: { containers: Container[] };
}

const find = (manifests: Manifest[], kind: string, name: string) =>
  manifests.find((m) => m.kind === kind && m.metadata.name === name);
const templateOf = (manifest: Manifest | undefined) => (manifest?.spec as { template: Template }).template;
const decoded = (secret: Manifest | undefined, key: string) =>
  Buffer.from((secret?.data as Record<string, string>)[key] ?? '', 'base64').toString('utf8');
const databaseUrlOf = (manifests: Manifest[]) =>
  templateOf(find(manifests, 'Deployment', 'k8sclaw-apiserver')).spec.containers[0]?.env?.find(
    (v) => v.name === 'DATABASE_URL',
  );

describe('the session store of an install', () => {
  const password = 'a'.repeat(64);

  it('deploys PostgreSQL by default, with its password and the API server URL in Secrets after the namespace', async () => {
    const manifests = withDatabase(await loadManifests(configDir), { kind: 'bundled', password });
    const names = manifests.map(describeManifest);
    assert.equal(names[0], 'namespace/k8sclaw-system');
    assert.deepEqual(names.slice(1, 3), [
      `secret/k8sclaw-system/${postgresSecretName}`,
      `secret/k8sclaw-system/${apiServerDatabaseSecretName}`,
    ]);
    assert.ok(names.includes('statefulset/k8sclaw-system/k8sclaw-postgres'));
    assert.ok(names.includes('service/k8sclaw-system/k8sclaw-postgres'));
    assert.ok(names.includes('networkpolicy/k8sclaw-system/k8sclaw-postgres-clients'));
    // PostgreSQL comes up before the API server that waits for it
    assert.ok(
      names.indexOf('statefulset/k8sclaw-system/k8sclaw-postgres') <
        names.indexOf('deployment/k8sclaw-system/k8sclaw-apiserver'),
    );
    assert.equal(decoded(manifests[1], 'password'), password);
    assert.equal(
      decoded(manifests[2], 'DATABASE_URL'),
      `postgresql://k8sclaw:${password}@k8sclaw-postgres.k8sclaw-system.svc:5432/k8sclaw`,
    );
    assert.deepEqual(databaseUrlOf(manifests)?.valueFrom, {
      secretKeyRef: { name: apiServerDatabaseSecretName, key: 'DATABASE_URL' },
    });
  });

  it('uses an external URL instead: no PostgreSQL, the URL in the API server Secret', async () => {
    const url = 'postgresql://app:s%40cret@db.example:5432/claw';
    const manifests = withDatabase(await loadManifests(configDir), { kind: 'url', url });
    assert.equal(
      manifests.some((m) => m.metadata.name.startsWith('k8sclaw-postgres')),
      false,
    );
    const secret = find(manifests, 'Secret', apiServerDatabaseSecretName);
    assert.equal(decoded(secret, 'DATABASE_URL'), url);
    assert.equal(databaseUrlOf(manifests)?.valueFrom?.secretKeyRef?.name, apiServerDatabaseSecretName);
  });

  it('points the API server at a named Secret and writes none itself', async () => {
    const manifests = withDatabase(await loadManifests(configDir), { kind: 'secret', secretName: 'my-db' });
    assert.equal(
      manifests.some((m) => m.kind === 'Secret' || m.metadata.name.startsWith('k8sclaw-postgres')),
      false,
    );
    assert.deepEqual(databaseUrlOf(manifests)?.valueFrom, {
      secretKeyRef: { name: 'my-db', key: 'DATABASE_URL' },
    });
  });

  it('restarts the API server when the database changes, and only then', async () => {
    const base = await loadManifests(configDir);
    const hashOf = (choice: DatabaseChoice) =>
      templateOf(find(withDatabase(base, choice), 'Deployment', 'k8sclaw-apiserver')).metadata?.annotations?.[
        databaseHashAnnotation
      ];
    const bundled = hashOf({ kind: 'bundled', password });
    assert.match(bundled ?? '', /^[0-9a-f]{16}$/);
    assert.equal(hashOf({ kind: 'bundled', password }), bundled);
    assert.notEqual(hashOf({ kind: 'url', url: 'postgresql://x/y' }), bundled);
    assert.notEqual(hashOf({ kind: 'secret', secretName: 'a' }), hashOf({ kind: 'secret', secretName: 'b' }));
    assert.equal(JSON.stringify(base).includes(databaseHashAnnotation), false, 'the input is not changed');
  });

  it('never names a password or URL in what it prints', () => {
    const url = 'postgresql://app:hunter2@db:5432/x';
    for (const choice of [
      { kind: 'bundled', password: 'hunter2' },
      { kind: 'url', url },
      { kind: 'secret', secretName: 'db' },
    ] as DatabaseChoice[])
      assert.doesNotMatch(describeDatabase(choice), /hunter2/);
  });

  it('generates long random passwords that need no escaping in a URL', () => {
    const first = generatePostgresPassword();
    assert.match(first, /^[0-9a-f]{64}$/);
    assert.notEqual(generatePostgresPassword(), first);
    assert.equal(new URL(bundledDatabaseUrl(first)).password, first);
  });

  it('refuses both flags together, URLs that are not PostgreSQL, and bad Secret names, without echoing a URL', () => {
    assert.throws(
      () => checkDatabaseFlags({ databaseUrl: 'postgresql://a/b', databaseSecret: 'c' }),
      UsageError,
    );
    assert.throws(() => checkDatabaseFlags({ databaseUrl: 'mysql://a/b' }), /must be a postgresql:\/\/ URL/);
    assert.throws(
      () => checkDatabaseFlags({ databaseUrl: 'not a url hunter2' }),
      (error: Error) => error instanceof UsageError && !error.message.includes('hunter2'),
    );
    assert.throws(() => checkDatabaseFlags({ databaseSecret: 'Bad_Name' }), /not a valid Secret name/);
    assert.doesNotThrow(() => checkDatabaseFlags({ databaseUrl: 'postgres://u:p@h:5432/d' }));
    assert.doesNotThrow(() => checkDatabaseFlags({}));
  });
});
