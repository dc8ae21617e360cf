// Runs the controller manager binary (src/cmd/controller.ts) as its own process against a test
// control plane, with short leader-election timings, and reads its health and metrics endpoints.
import path from 'node:path';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import { parse } from 'yaml';
import { repoRoot } from './binaries.ts';
import { findFreePort } from './free-port.ts';
import { ManagedProcess } from './managed-process.ts';
import { httpGet, httpOkProbe } from './probes.ts';

export interface ControllerProcess {
  identity: string;
  process: ManagedProcess;
  isLeader(): Promise<boolean>;
  /** The Prometheus text of its /metrics endpoint. */
  metrics(): Promise<string>;
  stop(): Promise<void>;
  kill(): void;
}

/**
 * The options the Deployment in config/manager passes to node before the controller's script (V8
 * heap flags), so that tests and benchmarks run the controller as it is deployed.
 */
export function deployedNodeOptions(): string[] {
  const deployment = parse(
    readFileSync(path.join(repoRoot, 'config', 'manager', 'controller.yaml'), 'utf8'),
  ) as {
    spec: { template: { spec: { containers: { name: string; command?: string[] }[] } } };
  };
  const command =
    deployment.spec.template.spec.containers.find((c) => c.name === 'controller')?.command ?? [];
  return command.slice(1, -1);
}

export async function startControllerProcess(options: {
  kubeconfig: string;
  namespace: string;
  identity: string;
  env?: NodeJS.ProcessEnv;
  /** Options of node itself, before the script (default: those of the controller's Deployment). */
  nodeArgs?: string[];
  /**
   * Run the compiled controller (dist/, as the image does; `npm run build` first) instead of its
   * TypeScript source: what a benchmark of its memory should measure, since stripping types at
   * load time costs memory of its own.
   */
  compiled?: boolean;
  /** How long the caches may take to list (default 30 s). */
  readyTimeoutMs?: number;
}): Promise<ControllerProcess> {
  const script = options.compiled
    ? path.join(repoRoot, 'dist', 'src', 'cmd', 'controller.js')
    : path.join(repoRoot, 'src', 'cmd', 'controller.ts');
  if (!existsSync(script)) throw new Error(`${script} does not exist: run npm run build first`);
  const port = await findFreePort();
  const dir = await mkdtemp(path.join(os.tmpdir(), `k8sclaw-controller-${options.identity}-`));
  const proc = new ManagedProcess({
    name: `controller ${options.identity}`,
    command: process.execPath,
    args: [...(options.nodeArgs ?? deployedNodeOptions()), script],
    logFile: path.join(dir, 'controller.log'),
    env: {
      ...process.env,
      KUBECONFIG: options.kubeconfig,
      POD_NAMESPACE: options.namespace,
      POD_NAME: options.identity,
      K8SCLAW_HEALTH_PORT: String(port),
      K8SCLAW_LEASE_DURATION_SECONDS: '3',
      K8SCLAW_RENEW_DEADLINE_SECONDS: '2',
      K8SCLAW_RETRY_PERIOD_SECONDS: '0.3',
      K8SCLAW_AGENT_IMAGE: 'localhost/k8sclaw/k8sclaw:0.1.0',
      K8SCLAW_IPC_BRIDGE_IMAGE: 'localhost/k8sclaw/k8sclaw:0.1.0',
      K8SCLAW_IMAGE_PULL_POLICY: 'Never',
      K8SCLAW_CHANNEL_IMAGE: 'localhost/k8sclaw/channel-{type}:0.1.0',
      ...options.env,
    },
  });
  proc.start();
  await proc.waitUntilReady(httpOkProbe(`http://127.0.0.1:${port}/readyz`), options.readyTimeoutMs ?? 30_000);
  return {
    identity: options.identity,
    process: proc,
    isLeader: async () =>
      /^k8sclaw_leader 1$/m.test((await httpGet(`http://127.0.0.1:${port}/metrics`)).body),
    metrics: async () => (await httpGet(`http://127.0.0.1:${port}/metrics`)).body,
    stop: () => proc.stop(),
    kill: () => {
      if (proc.pid) process.kill(proc.pid, 'SIGKILL');
    },
  };
}
