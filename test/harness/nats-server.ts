// A real nats-server with JetStream for integration tests, on random loopback ports, its store in a
// temporary directory. Readiness is the monitoring endpoint's /healthz?js-enabled-only=true.
// Without an authority it accepts anyone; with one it runs in operator (JWT) mode, as installed.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { renderServerAuthConfig, type BusAuthority } from '../../src/eventbus/index.ts';
import { goToolBinary } from './binaries.ts';
import { findFreePort } from './free-port.ts';
import { ManagedProcess } from './managed-process.ts';
import { httpOkProbe } from './probes.ts';

export interface NatsServer {
  url: string;
  monitorUrl: string;
  dir: string;
  /** Stops the server and keeps its store, so a restart continues from the same state. */
  stop(): Promise<void>;
  /** Starts it again on the same ports and store. */
  restart(): Promise<void>;
  /** Stops it and removes its store. */
  destroy(): Promise<void>;
}

export function buildNatsConfig(input: {
  port: number;
  monitorPort: number;
  storeDir: string;
  /** A nats.conf fragment appended as is (the output of renderServerAuthConfig). */
  authConfig?: string;
}): string {
  const lines = [
    `listen: 127.0.0.1:${input.port}`,
    `http: 127.0.0.1:${input.monitorPort}`,
    'jetstream {',
    `  store_dir: ${JSON.stringify(input.storeDir)}`,
    '  max_memory_store: 256MB',
    '  max_file_store: 1GB',
    '}',
    '',
  ];
  return lines.join('\n') + (input.authConfig ?? '');
}

export async function startNatsServer(
  options: { startTimeoutMs?: number; authority?: BusAuthority } = {},
): Promise<NatsServer> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'k8sclaw-nats-'));
  const [port, monitorPort] = await Promise.all([findFreePort(), findFreePort()]);
  const configFile = path.join(dir, 'nats.conf');
  const authConfig = options.authority ? renderServerAuthConfig(options.authority) : undefined;
  await writeFile(
    configFile,
    buildNatsConfig({ port, monitorPort, storeDir: path.join(dir, 'jetstream'), authConfig }),
  );
  let proc: ManagedProcess | undefined;
  const start = async () => {
    proc = new ManagedProcess({
      name: 'nats-server',
      command: goToolBinary('nats-server'),
      args: ['--config', configFile],
      logFile: path.join(dir, 'nats.log'),
    });
    proc.start();
    await proc.waitUntilReady(
      httpOkProbe(`http://127.0.0.1:${monitorPort}/healthz?js-enabled-only=true`),
      options.startTimeoutMs ?? 20_000,
    );
  };
  try {
    await start();
  } catch (error) {
    await proc?.stop();
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    url: `nats://127.0.0.1:${port}`,
    monitorUrl: `http://127.0.0.1:${monitorPort}`,
    dir,
    stop: async () => await proc?.stop(),
    restart: async () => {
      await proc?.stop();
      await start();
    },
    destroy: async () => {
      await proc?.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
