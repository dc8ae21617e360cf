// The API server on the host with what it needs, as its integration tests and the channel stack
// start it: a real nats-server with the bus authority (the streams created as the controller
// would), a real PostgreSQL with the stack's own database, a system namespace holding the API
// server's ServiceAccount, one namespace per tenant with a ServiceAccount of the tenant's rights,
// and the API server binary. Needs `K8SCLAW_TEST_KUBECONFIG` (the integration global setup sets
// it; a benchmark sets it to the control plane it started).
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { accountSignerOf, createBusAuthority, type BusAuthority } from '../../src/eventbus/index.ts';
import type { KubeClient } from '../../src/kube/index.ts';
import {
  createApiServerIdentity,
  createServiceAccountToken,
  grantInNamespace,
  tenantRules,
  type ApiServerIdentity,
} from '../integration/apiserver/api-fixtures.ts';
import { createDatabase } from '../integration/session/session-fixtures.ts';
import { startApiServerProcess, type ApiServerProcess } from './api-server-process.ts';
import { ensureBusStreamsAsController } from './bus-streams.ts';
import { installCrds } from './crds.ts';
import { startNatsServer, type NatsServer } from './nats-server.ts';
import { startPostgres, type PostgresServer } from './postgres.ts';
import { createTestNamespace, deleteTestNamespace } from './test-namespace.ts';

export interface ApiServerStackOptions {
  /** The admin client of the control plane. */
  kube: KubeClient;
  /** Prefix of the namespaces (`<name>`, `<name>-<tenant>`) and the database's name. */
  name: string;
  /** The tenants, each a ServiceAccount of that name in its own namespace (default one: alice). */
  tenants?: readonly string[];
  /** More environment for the API server (LOG_LEVEL, limits, …). */
  env?: NodeJS.ProcessEnv;
}

export interface Tenant {
  user: string;
  namespace: string;
  /** A bearer token of the tenant's ServiceAccount, with the tenant's rights in its namespace. */
  token: string;
}

export interface ApiServerStack {
  authority: BusAuthority;
  nats: NatsServer;
  postgres: PostgresServer;
  databaseUrl: string;
  /** A private directory that stop() removes. */
  dir: string;
  systemNs: string;
  /** The first tenant. */
  tenant: Tenant;
  tenants: Tenant[];
  identity: ApiServerIdentity;
  server: ApiServerProcess;
  /** Registers a cleanup that stop() runs before its own (last registered, first run). */
  onStop(cleanup: () => Promise<unknown>): void;
  /** Stops what it started and removes the namespaces. */
  stop(): Promise<void>;
}

export async function startApiServerStack(options: ApiServerStackOptions): Promise<ApiServerStack> {
  const { kube, name } = options;
  const cleanups: (() => Promise<unknown>)[] = [];
  const stop = async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
  };
  try {
    await installCrds(kube);
    const authority = await createBusAuthority();
    const nats = await startNatsServer({ authority });
    cleanups.push(() => nats.destroy());
    const postgres = await startPostgres();
    cleanups.push(() => postgres.stop());
    const databaseUrl = await createDatabase(postgres, name.replace(/-/g, '_'));
    const dir = await mkdtemp(path.join(os.tmpdir(), `k8sclaw-${name}-`));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const signerFile = path.join(dir, 'signer.json');
    await writeFile(signerFile, JSON.stringify(accountSignerOf(authority)), { mode: 0o600 });
    const systemNs = await createTestNamespace(kube, name);
    cleanups.push(() => deleteTestNamespace(kube, systemNs));
    const tenants: Tenant[] = [];
    for (const user of options.tenants ?? ['alice']) {
      const namespace = await createTestNamespace(kube, `${name}-${user}`);
      cleanups.push(() => deleteTestNamespace(kube, namespace));
      const token = await createServiceAccountToken(kube, namespace, user);
      await grantInNamespace(kube, namespace, { namespace, name: user }, tenantRules);
      tenants.push({ user, namespace, token });
    }
    const [tenant] = tenants;
    if (!tenant) throw new Error('an API server stack needs at least one tenant');
    // the streams are the controller's to create
    await ensureBusStreamsAsController(nats.url, authority);
    const identity = await createApiServerIdentity(kube, systemNs);
    cleanups.push(() => identity.remove());
    const server = await startApiServerProcess({
      kubeconfig: identity.kubeconfigFile,
      env: {
        DATABASE_URL: databaseUrl,
        EVENT_BUS_URL: nats.url,
        K8SCLAW_BUS_ACCOUNT_SIGNER_FILE: signerFile,
        ...options.env,
      },
    });
    cleanups.push(() => server.stop());
    return {
      authority,
      nats,
      postgres,
      databaseUrl,
      dir,
      systemNs,
      tenant,
      tenants,
      identity,
      server,
      onStop: (cleanup) => cleanups.push(cleanup),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
