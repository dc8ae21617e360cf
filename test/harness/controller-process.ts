// Runs the controller manager binary (src/cmd/controller.ts, or its build: tsc's or the bundle its
// image runs) as its own process against a test control plane, with node's options and environment
// from its Deployment and short leader-election timings, and reads its health and metrics endpoints.
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

interface DeployedContainer {
  name: string;
  command?: string[];
  env?: { name: string; value?: string }[];
}

/** The controller's container in the Deployment of config/manager. */
function deployedContainer(): DeployedContainer | undefined {
  const deployment = parse(
    readFileSync(path.join(repoRoot, 'config', 'manager', 'controller.yaml'), 'utf8'),
  ) as { spec: { template: { spec: { containers: DeployedContainer[] } } } };
  return deployment.spec.template.spec.containers.find((c) => c.name === 'controller');
}

/**
 * The options the Deployment in config/manager passes to node before the controller's script (V8
 * heap flags), so that tests and benchmarks run the controller as it is deployed.
 */
export function deployedNodeOptions(): string[] {
  return (deployedContainer()?.command ?? []).slice(1, -1);
}

/**
 * The Deployment's environment for node rather than for the controller: the allocator's settings
 * (MALLOC_…) for every build, and for the bundle its compile cache's (NODE_COMPILE_CACHE…, paths in
 * the image's /app/ read as paths in this repository), so that tests and benchmarks run the
 * controller as it is deployed.
 */
export function deployedNodeEnv(entry: ControllerEntry): NodeJS.ProcessEnv {
  return Object.fromEntries(
    (deployedContainer()?.env ?? [])
      .filter(
        (variable) =>
          variable.name.startsWith('MALLOC_') ||
          (entry === 'bundled' && variable.name.startsWith('NODE_COMPILE_CACHE')),
      )
      .map((variable) => [variable.name, variable.value?.replace(/^\/app\//, `${repoRoot}/`)]),
  );
}

/**
 * The builds of the controller a test or benchmark can run: its TypeScript source, tsc's output
 * (dist/src/), or the bundle its image runs (dist/controller/, hack/build-controller.ts). The last
 * two need `npm run build` first. What a benchmark of memory or CPU measures is the bundle: stripping
 * types at load time costs memory of its own, and the bundle loads less code than dist/src/.
 */
export type ControllerEntry = 'source' | 'compiled' | 'bundled';

const controllerScripts: Record<ControllerEntry, string> = {
  source: path.join(repoRoot, 'src', 'cmd', 'controller.ts'),
  compiled: path.join(repoRoot, 'dist', 'src', 'cmd', 'controller.js'),
  bundled: path.join(repoRoot, 'dist', 'controller', 'controller.js'),
};

/**
 * The build tests run unless they choose: K8SCLAW_TEST_CONTROLLER_ENTRY (`source`, `compiled` or
 * `bundled`), else the source, so that a suite runs against the shipped bundle by setting it.
 */
export function controllerEntryFromEnv(): ControllerEntry {
  const entry = process.env.K8SCLAW_TEST_CONTROLLER_ENTRY ?? 'source';
  if (!(entry in controllerScripts))
    throw new Error(
      `K8SCLAW_TEST_CONTROLLER_ENTRY=${entry}: expected one of ${Object.keys(controllerScripts).join(', ')}`,
    );
  return entry as ControllerEntry;
}

export async function startControllerProcess(options: {
  kubeconfig: string;
  namespace: string;
  identity: string;
  env?: NodeJS.ProcessEnv;
  /** Options of node itself, before the script (default: those of the controller's Deployment). */
  nodeArgs?: string[];
  /** Which build of the controller runs (default: `controllerEntryFromEnv()`). */
  entry?: ControllerEntry;
  /** How long the caches may take to list (default 30 s). */
  readyTimeoutMs?: number;
}): Promise<ControllerProcess> {
  const entry = options.entry ?? controllerEntryFromEnv();
  const script = controllerScripts[entry];
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
      ...deployedNodeEnv(entry),
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
