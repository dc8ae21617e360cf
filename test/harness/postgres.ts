// A real PostgreSQL (Debian's server binaries) for integration tests: initdb into a temporary
// directory, listening only on a random loopback port (no Unix socket outside that directory),
// trust authentication for the local test superuser. Runs as an unprivileged user when started as
// root, because postgres refuses to run as root.
import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { chmod, chown, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { findFreePort } from './free-port.ts';
import { ManagedProcess } from './managed-process.ts';
import { tcpProbe } from './probes.ts';

const run = promisify(execFile);

export interface PostgresServer {
  /** postgres://postgres@127.0.0.1:<port>/postgres */
  url: string;
  port: number;
  /** Shuts the server down (fast: open sessions are ended), keeping its data directory and port. */
  halt(): Promise<void>;
  /** Starts a halted server again on the same data directory and port; resolves once it answers. */
  resume(): Promise<void>;
  stop(): Promise<void>;
}

export function findPostgresBinDir(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((v) => existsSync(path.join(root, v, 'bin', 'postgres')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (versions.length === 0)
    throw new Error('PostgreSQL server not found under /usr/lib/postgresql (run hack/install-deps.sh)');
  return path.join(root, versions[0] as string, 'bin');
}

async function runAsUser(): Promise<{ uid: number; gid: number } | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  const { stdout } = await run('id', ['-u', 'postgres']).catch(() => ({ stdout: '' }));
  const uid = Number(stdout.trim());
  if (!uid)
    throw new Error('running as root but the postgres system user is missing (run hack/install-deps.sh)');
  const { stdout: gidOut } = await run('id', ['-g', 'postgres']);
  return { uid, gid: Number(gidOut.trim()) };
}

export async function startPostgres(options: { startTimeoutMs?: number } = {}): Promise<PostgresServer> {
  const bin = findPostgresBinDir();
  const dir = await mkdtemp(path.join(os.tmpdir(), 'k8sclaw-pg-'));
  const dataDir = path.join(dir, 'data');
  const user = await runAsUser();
  const asUser = user ? { uid: user.uid, gid: user.gid } : {};
  if (user) {
    await chown(dir, user.uid, user.gid);
    await chmod(dir, 0o700);
  }
  let proc: ManagedProcess | undefined;
  try {
    await run(
      path.join(bin, 'initdb'),
      ['-D', dataDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync'],
      {
        ...asUser,
      },
    );
    const port = await findFreePort();
    proc = new ManagedProcess({
      name: 'postgres',
      command: path.join(bin, 'postgres'),
      args: [
        '-D',
        dataDir,
        '-h',
        '127.0.0.1',
        '-p',
        String(port),
        '-k',
        dir,
        '-c',
        'fsync=off',
        '-c',
        'synchronous_commit=off',
        '-c',
        'full_page_writes=off',
      ],
      logFile: path.join(dir, 'postgres.log'),
      // SIGTERM would wait for every client to disconnect; SIGINT ends their sessions (57P01)
      stopSignal: 'SIGINT',
      ...(user ? { uid: user.uid, gid: user.gid } : {}),
    });
    const started = proc;
    const startAndWait = async (): Promise<void> => {
      started.start();
      await started.waitUntilReady(tcpProbe('127.0.0.1', port), options.startTimeoutMs ?? 30_000);
      // the port accepts before recovery finishes; pg_isready answers only when queries will work
      const ready = path.join(bin, 'pg_isready');
      await started.waitUntilReady(
        async () =>
          (await run(ready, ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres'])) !== undefined,
        options.startTimeoutMs ?? 30_000,
      );
    };
    await startAndWait();
    return {
      url: `postgres://postgres@127.0.0.1:${port}/postgres`,
      port,
      halt: () => started.stop(),
      resume: startAndWait,
      stop: async () => {
        await started.stop();
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await proc?.stop();
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}
