// Runs the API server binary (src/cmd/apiserver.ts) as its own process against a test control
// plane, on free loopback ports, with its log in a file the test can read.
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { repoRoot } from './binaries.ts';
import { findFreePort } from './free-port.ts';
import { ManagedProcess } from './managed-process.ts';
import { httpOkProbe } from './probes.ts';

export interface ApiServerProcess {
  process: ManagedProcess;
  url: string;
  healthUrl: string;
  logFile: string;
  stop(): Promise<void>;
}

export async function startApiServerProcess(options: {
  kubeconfig: string;
  env?: NodeJS.ProcessEnv;
}): Promise<ApiServerProcess> {
  const apiPort = await findFreePort();
  const healthPort = await findFreePort();
  const dir = await mkdtemp(path.join(os.tmpdir(), 'k8sclaw-apiserver-'));
  const logFile = path.join(dir, 'apiserver.log');
  const proc = new ManagedProcess({
    name: 'apiserver',
    command: process.execPath,
    args: [path.join(repoRoot, 'src', 'cmd', 'apiserver.ts')],
    logFile,
    env: {
      ...process.env,
      KUBECONFIG: options.kubeconfig,
      K8SCLAW_API_HOST: '127.0.0.1',
      K8SCLAW_API_PORT: String(apiPort),
      K8SCLAW_HEALTH_PORT: String(healthPort),
      ...options.env,
    },
  });
  proc.start();
  const healthUrl = `http://127.0.0.1:${healthPort}`;
  await proc.waitUntilReady(httpOkProbe(`${healthUrl}/readyz`), 30_000);
  return { process: proc, url: `http://127.0.0.1:${apiPort}`, healthUrl, logFile, stop: () => proc.stop() };
}
