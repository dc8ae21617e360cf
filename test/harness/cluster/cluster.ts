// The local single-node cluster: `up` starts etcd, the control plane, containerd, the kubelet,
// kube-proxy and CoreDNS as daemons tracked by pid files; `down` stops them and removes every
// trace (pods, mounts, network namespaces, the bridge, iptables chains, cgroups, sysctls, state);
// `status` reports each component. `up` is idempotent: a healthy cluster is left as it is, and
// stale state from an earlier run is cleaned first.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { lstat, mkdir, readFile, readlink, rm, symlink, unlink, writeFile } from 'node:fs/promises';
import { Resolver } from 'node:dns/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { KubeClient } from '../../../src/kube/index.ts';
import { goToolBinary, kubernetesBinary, repoRoot } from '../binaries.ts';
import {
  buildApiserverArgs,
  buildControllerManagerArgs,
  buildEtcdArgs,
  buildSchedulerArgs,
} from '../control-plane-args.ts';
import { createControlPlanePki, type ControlPlanePki } from '../control-plane-pki.ts';
import { eventually } from '../eventually.ts';
import { buildKubeconfig } from '../kubeconfig.ts';
import { ManagedProcess, type ReadinessProbe } from '../managed-process.ts';
import { httpOkProbe } from '../probes.ts';
import {
  bridgeName,
  clusterName,
  defaultClusterPaths,
  hardcodedHostPaths,
  nodeIp,
  nodeName,
  podCidr,
  ports,
  serviceCidr,
  type ClusterPaths,
} from './cluster-layout.ts';
import {
  applySysctls,
  deleteCniNetns,
  deleteLink,
  ensureBridge,
  findProcessesMentioning,
  isAlive,
  listCniNetns,
  listKubepodsCgroups,
  listKubepodsProcesses,
  listMountsUnder,
  listOwnedChains,
  linkExists,
  readPidFiles,
  removeDir,
  removeKubepodsCgroups,
  removeOwnedChains,
  restoreSysctls,
  run,
  stopPid,
  tryRun,
  unmountUnder,
  writePidFile,
} from './host.ts';
import {
  buildContainerdConfig,
  buildCniConflist,
  buildCorefile,
  buildKubeletConfig,
  buildKubeProxyConfig,
} from './node-config.ts';
import { buildStorageClass } from './volume-plan.ts';

const execFileAsync = promisify(execFile);
type Log = (line: string) => void;

/** Daemons in start order; `down` stops them in reverse. */
const components = [
  'etcd',
  'kube-apiserver',
  'kube-controller-manager',
  'kube-scheduler',
  'containerd',
  'kubelet',
  'kube-proxy',
  'coredns',
  'volume-provisioner',
] as const;
type Component = (typeof components)[number];

const userKubeconfig = path.join(os.homedir(), '.kube', 'config');
const kubectlLink = '/usr/local/bin/kubectl';
const fieldManager = 'k8sclaw-local-cluster';

export function adminKubeconfigPath(paths: ClusterPaths = defaultClusterPaths): string {
  return paths.adminKubeconfig;
}

function assertRoot(): void {
  if (process.getuid?.() !== 0) {
    throw new Error('the local cluster runs containerd and a kubelet, which need root: run it as root');
  }
}

async function startDaemon(
  paths: ClusterPaths,
  name: Component,
  command: string,
  args: string[],
  probe: ReadinessProbe,
  timeoutMs: number,
  log: Log,
): Promise<void> {
  const started = Date.now();
  const proc = new ManagedProcess({
    name,
    command,
    args,
    logFile: path.join(paths.logDir, `${name}.log`),
    detached: true,
  });
  proc.start();
  if (proc.pid) await writePidFile(paths.pidDir, name, proc.pid);
  await proc.waitUntilReady(probe, timeoutMs);
  log(`  ✓ ${name} ready (${((Date.now() - started) / 1000).toFixed(1)}s, log ${proc.spec.logFile})`);
}

async function writeCertKubeconfig(
  file: string,
  server: string,
  pki: ControlPlanePki,
  userName: string,
  pair: { certFile: string; keyFile: string },
): Promise<string> {
  const [ca, cert, key] = await Promise.all([
    readFile(pki.caCert, 'utf8'),
    readFile(pair.certFile, 'utf8'),
    readFile(pair.keyFile, 'utf8'),
  ]);
  await writeFile(
    file,
    buildKubeconfig({
      server,
      certificateAuthorityPem: ca,
      userName,
      clusterName,
      contextName: clusterName,
      credentials: { clientCertificatePem: cert, clientKeyPem: key },
    }),
    { mode: 0o600 },
  );
  return file;
}

async function hardOpenFilesLimit(): Promise<number> {
  const { stdout } = await execFileAsync('sh', ['-c', 'ulimit -Hn']);
  const limit = Number(stdout.trim());
  return Number.isFinite(limit) && limit > 0 ? Math.min(limit, 1_000_000) : 65_536;
}

async function applyCorednsRbac(kube: KubeClient): Promise<void> {
  await kube.apply(
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: 'system:coredns' },
      rules: [
        {
          apiGroups: [''],
          resources: ['endpoints', 'services', 'pods', 'namespaces'],
          verbs: ['list', 'watch'],
        },
        { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['list', 'watch'] },
      ],
    } as never,
    fieldManager,
  );
  await kube.apply(
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: 'system:coredns' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'system:coredns' },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'system:coredns' }],
    } as never,
    fieldManager,
  );
}

async function importImages(paths: ClusterPaths, log: Log): Promise<void> {
  const script = path.join(repoRoot, 'hack', 'images.sh');
  log('  importing local images into containerd (k8s.io namespace)');
  await execFileAsync(script, ['import', '--address', paths.containerdSocket], {
    maxBuffer: 16 * 1024 * 1024,
  });
}

async function isHealthy(paths: ClusterPaths): Promise<boolean> {
  const pids = await readPidFiles(paths.pidDir);
  if (pids.length !== components.length || !pids.every((p) => isAlive(p.pid))) return false;
  try {
    const kube = KubeClient.fromKubeconfigFile(paths.adminKubeconfig);
    const node = await kube.core.readNode({ name: nodeName });
    return node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
  } catch {
    return false;
  }
}

export async function clusterUp(
  paths: ClusterPaths = defaultClusterPaths,
  log: Log = console.log,
): Promise<void> {
  assertRoot();
  const started = Date.now();
  if (await isHealthy(paths)) {
    log(`cluster ${clusterName} is already up; kubeconfig: ${paths.adminKubeconfig}`);
    return;
  }
  if (existsSync(paths.stateDir) || existsSync(paths.runDir) || (await linkExists(bridgeName))) {
    log('cleaning state left by an earlier run');
    await clusterDown(paths, () => undefined);
  }
  log(`starting cluster ${clusterName}`);
  for (const dir of [
    paths.stateDir,
    paths.runDir,
    paths.pidDir,
    paths.logDir,
    paths.cniConfDir,
    paths.kubeletRoot,
  ]) {
    await mkdir(dir, { recursive: true });
  }

  // host: forwarding for Service DNAT between pods, bridged traffic through iptables, pod bridge
  await applySysctls(
    {
      'net.ipv4.ip_forward': '1',
      'net.bridge.bridge-nf-call-iptables': '1',
      'net.bridge.bridge-nf-call-ip6tables': '1',
      'fs.inotify.max_user_instances': '8192',
      'fs.inotify.max_user_watches': '524288',
    },
    paths.sysctlBackup,
  );
  await run('mount', ['--make-rshared', '/']);
  await ensureBridge(bridgeName, `${nodeIp}/24`);

  const pki = await createControlPlanePki(paths.pkiDir, {
    apiserverIpAddresses: [nodeIp],
    nodes: [{ name: nodeName, ipAddress: nodeIp }],
    clients: [
      { name: 'kube-proxy', commonName: 'system:kube-proxy' },
      { name: 'coredns', commonName: 'system:coredns' },
    ],
  });
  const server = `https://${nodeIp}:${ports.apiserver}`;
  const kubeconfigFor = (name: string, user: string, pair: { certFile: string; keyFile: string }) =>
    writeCertKubeconfig(path.join(paths.stateDir, `${name}.kubeconfig`), server, pki, user, pair);
  const clientPki = (name: string) => {
    const pair = pki.clients[name];
    if (!pair) throw new Error(`no client certificate issued for ${name}`);
    return pair;
  };
  await kubeconfigFor('admin', 'kubernetes-admin', pki.admin);
  const tls = {
    ca: await readFile(pki.caCert, 'utf8'),
    cert: await readFile(pki.admin.certFile, 'utf8'),
    key: await readFile(pki.admin.keyFile, 'utf8'),
  };
  const selfSigned = { rejectUnauthorized: false };

  await startDaemon(
    paths,
    'etcd',
    kubernetesBinary('etcd'),
    buildEtcdArgs({
      name: nodeName,
      dataDir: paths.etcdDataDir,
      clientPort: ports.etcdClient,
      peerPort: ports.etcdPeer,
    }),
    httpOkProbe(`http://127.0.0.1:${ports.etcdClient}/health`),
    30_000,
    log,
  );
  await startDaemon(
    paths,
    'kube-apiserver',
    kubernetesBinary('kube-apiserver'),
    buildApiserverArgs({
      pki,
      etcdUrl: `http://127.0.0.1:${ports.etcdClient}`,
      bindAddress: nodeIp,
      advertiseAddress: nodeIp,
      securePort: ports.apiserver,
      certDir: path.join(paths.stateDir, 'apiserver-certs'),
      serviceClusterIpRange: serviceCidr,
      withControllerManager: true,
    }),
    httpOkProbe(`${server}/readyz`, tls),
    60_000,
    log,
  );
  await startDaemon(
    paths,
    'kube-controller-manager',
    kubernetesBinary('kube-controller-manager'),
    buildControllerManagerArgs({
      pki,
      kubeconfig: await kubeconfigFor(
        'controller-manager',
        'system:kube-controller-manager',
        pki.controllerManager,
      ),
      securePort: ports.controllerManager,
      certDir: path.join(paths.stateDir, 'kcm-certs'),
      serviceClusterIpRange: serviceCidr,
    }),
    httpOkProbe(`https://127.0.0.1:${ports.controllerManager}/healthz`, selfSigned),
    60_000,
    log,
  );
  await startDaemon(
    paths,
    'kube-scheduler',
    kubernetesBinary('kube-scheduler'),
    buildSchedulerArgs({
      kubeconfig: await kubeconfigFor('scheduler', 'system:kube-scheduler', pki.scheduler),
      securePort: ports.scheduler,
      certDir: path.join(paths.stateDir, 'scheduler-certs'),
    }),
    httpOkProbe(`https://127.0.0.1:${ports.scheduler}/healthz`, selfSigned),
    60_000,
    log,
  );

  await writeFile(
    paths.createdHostPaths,
    JSON.stringify(hardcodedHostPaths.filter((hostPath) => !existsSync(hostPath))),
  );
  await writeFile(paths.containerdConfig, buildContainerdConfig(paths));
  await writeFile(path.join(paths.cniConfDir, '10-k8sclaw.conflist'), buildCniConflist(paths));
  await startDaemon(
    paths,
    'containerd',
    'containerd',
    ['--config', paths.containerdConfig],
    async () =>
      existsSync(paths.containerdSocket) &&
      (await tryRun('ctr', ['--address', paths.containerdSocket, 'version'])) !== undefined,
    30_000,
    log,
  );
  await importImages(paths, log);

  const nodePki = pki.nodes[nodeName];
  if (!nodePki) throw new Error(`no certificates issued for node ${nodeName}`);
  await writeFile(
    paths.kubeletConfig,
    buildKubeletConfig({
      paths,
      caFile: pki.caCert,
      servingCertFile: nodePki.serving.certFile,
      servingKeyFile: nodePki.serving.keyFile,
      maxOpenFiles: await hardOpenFilesLimit(),
    }),
  );
  await startDaemon(
    paths,
    'kubelet',
    kubernetesBinary('kubelet'),
    [
      `--config=${paths.kubeletConfig}`,
      `--kubeconfig=${await kubeconfigFor('kubelet', `system:node:${nodeName}`, nodePki.client)}`,
      `--hostname-override=${nodeName}`,
      `--node-ip=${nodeIp}`,
      `--root-dir=${paths.kubeletRoot}`,
      `--cert-dir=${path.join(paths.kubeletRoot, 'pki')}`,
      '--v=1',
    ],
    httpOkProbe(`http://127.0.0.1:${ports.kubeletHealthz}/healthz`),
    60_000,
    log,
  );

  await writeFile(
    paths.kubeProxyConfig,
    buildKubeProxyConfig(await kubeconfigFor('kube-proxy', 'system:kube-proxy', clientPki('kube-proxy'))),
  );
  await startDaemon(
    paths,
    'kube-proxy',
    kubernetesBinary('kube-proxy'),
    [`--config=${paths.kubeProxyConfig}`, '--v=1'],
    httpOkProbe(`http://127.0.0.1:${ports.kubeProxyHealthz}/healthz`),
    60_000,
    log,
  );

  const kube = KubeClient.fromKubeconfigFile(paths.adminKubeconfig);
  await applyCorednsRbac(kube);
  await writeFile(
    paths.corefile,
    buildCorefile(await kubeconfigFor('coredns', 'system:coredns', clientPki('coredns'))),
  );
  await startDaemon(
    paths,
    'coredns',
    goToolBinary('coredns'),
    ['-conf', paths.corefile],
    httpOkProbe(`http://127.0.0.1:${ports.corednsReady}/ready`),
    60_000,
    log,
  );

  await kube.apply(buildStorageClass() as never, fieldManager);
  const provisionerLog = path.join(paths.logDir, 'volume-provisioner.log');
  await startDaemon(
    paths,
    'volume-provisioner',
    process.execPath,
    [
      fileURLToPath(new URL('./volume-provisioner.ts', import.meta.url)),
      paths.adminKubeconfig,
      paths.volumeDir,
      nodeName,
    ],
    async () => (await readFile(provisionerLog, 'utf8').catch(() => '')).includes('volume provisioner ready'),
    30_000,
    log,
  );

  await eventually(
    `node ${nodeName} to be Ready (kubelet log: ${path.join(paths.logDir, 'kubelet.log')})`,
    async () => {
      const node = await kube.core.readNode({ name: nodeName });
      return node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')
        ? true
        : undefined;
    },
    90_000,
    500,
  );
  log(`  ✓ node ${nodeName} Ready`);
  const resolver = new Resolver({ timeout: 1_000, tries: 1 });
  resolver.setServers([nodeIp]);
  await eventually('cluster DNS to answer for kubernetes.default', async () => {
    const [address] = await resolver.resolve4(`kubernetes.default.svc.cluster.local`);
    return address === '10.96.0.1' ? true : undefined;
  });
  log('  ✓ cluster DNS answers kubernetes.default.svc.cluster.local');
  await eventually('the default ServiceAccount', async () =>
    kube.core.readNamespacedServiceAccount({ name: 'default', namespace: 'default' }),
  );

  await linkUserConveniences(paths, log);
  log(
    `cluster ${clusterName} up in ${((Date.now() - started) / 1000).toFixed(1)}s (pods ${podCidr}, services ${serviceCidr})`,
  );
  log(`kubeconfig: ${paths.adminKubeconfig}`);
}

/** ~/.kube/config and kubectl on PATH, when the user has neither; `down` removes only its own. */
async function linkUserConveniences(paths: ClusterPaths, log: Log): Promise<void> {
  if (!existsSync(userKubeconfig) && !(await isOurSymlink(userKubeconfig, paths.adminKubeconfig))) {
    await mkdir(path.dirname(userKubeconfig), { recursive: true });
    await symlink(paths.adminKubeconfig, userKubeconfig);
    log(`  linked ${userKubeconfig} to the cluster's admin kubeconfig`);
  } else if (!(await isOurSymlink(userKubeconfig, paths.adminKubeconfig))) {
    log(`  ${userKubeconfig} exists: use  export KUBECONFIG=${paths.adminKubeconfig}`);
  }
  const kubectl = kubernetesBinary('kubectl');
  const onPath = await tryRun('sh', ['-c', 'command -v kubectl']);
  if (!onPath && !existsSync(kubectlLink)) {
    await symlink(kubectl, kubectlLink);
    log(`  linked ${kubectlLink} to kubectl v${await kubectlVersion(kubectl)}`);
  }
}

async function kubectlVersion(binary: string): Promise<string> {
  const out = (await tryRun(binary, ['version', '--client', '-o', 'json'])) ?? '{}';
  return (
    (JSON.parse(out) as { clientVersion?: { gitVersion?: string } }).clientVersion?.gitVersion ?? '?'
  ).replace(/^v/, '');
}

async function isOurSymlink(link: string, target: string): Promise<boolean> {
  try {
    return (await lstat(link)).isSymbolicLink() && (await readlink(link)) === target;
  } catch {
    return false;
  }
}

async function removeUserConveniences(paths: ClusterPaths): Promise<void> {
  if (await isOurSymlink(userKubeconfig, paths.adminKubeconfig)) await unlink(userKubeconfig);
  try {
    const target = await readlink(kubectlLink);
    if (
      target.includes(`${path.sep}.cache${path.sep}k8sclaw${path.sep}`) ||
      target.includes('/k8sclaw/k8s/')
    ) {
      await unlink(kubectlLink);
    }
  } catch {
    // not a symlink of ours
  }
}

/** Asks the kubelet to remove every pod, so the CRI tears down sandboxes and CNI releases IPs. */
async function drainPods(paths: ClusterPaths, log: Log): Promise<void> {
  if (!existsSync(paths.adminKubeconfig)) return;
  try {
    const kube = KubeClient.fromKubeconfigFile(paths.adminKubeconfig);
    const pods = await kube.core.listPodForAllNamespaces();
    if (pods.items.length === 0) return;
    log(`  deleting ${pods.items.length} pod(s)`);
    await Promise.all(
      pods.items.map((pod) =>
        kube.core
          .deleteNamespacedPod({
            name: pod.metadata?.name ?? '',
            namespace: pod.metadata?.namespace ?? '',
            gracePeriodSeconds: 0,
          })
          .catch(() => undefined),
      ),
    );
    await eventually(
      'the kubelet to stop every pod sandbox',
      async () => {
        const out =
          (await tryRun('ctr', ['--address', paths.containerdSocket, '-n', 'k8s.io', 'tasks', 'ls', '-q'])) ??
          '';
        return out.trim() === '' ? true : undefined;
      },
      30_000,
      500,
    );
  } catch {
    // the API or kubelet is not answering: the forced cleanup below takes over
  }
}

async function killContainerdTasks(paths: ClusterPaths): Promise<void> {
  if (!existsSync(paths.containerdSocket)) return;
  const ctr = (...args: string[]) =>
    tryRun('ctr', ['--address', paths.containerdSocket, '-n', 'k8s.io', ...args]);
  const tasks = ((await ctr('tasks', 'ls', '-q')) ?? '').split('\n').filter(Boolean);
  for (const id of tasks) await ctr('tasks', 'kill', '-s', 'SIGKILL', id);
  for (const id of tasks) await ctr('tasks', 'delete', '-f', id);
  const containers = ((await ctr('containers', 'ls', '-q')) ?? '').split('\n').filter(Boolean);
  for (const id of containers) await ctr('containers', 'delete', id);
}

export async function clusterDown(
  paths: ClusterPaths = defaultClusterPaths,
  log: Log = console.log,
): Promise<void> {
  assertRoot();
  log(`stopping cluster ${clusterName}`);
  await drainPods(paths, log);
  const pids = new Map((await readPidFiles(paths.pidDir)).map((p) => [p.name, p.pid]));
  const stop = async (name: Component) => {
    const pid = pids.get(name);
    if (pid !== undefined && isAlive(pid)) {
      await stopPid(pid);
      log(`  stopped ${name}`);
    }
  };
  await stop('kubelet');
  await killContainerdTasks(paths);
  // independent of each other: stopped together, each with its own grace period
  await Promise.all(
    (['coredns', 'kube-proxy', 'kube-scheduler', 'kube-controller-manager'] as const).map(stop),
  );
  await stop('kube-apiserver');
  await Promise.all((['etcd', 'containerd'] as const).map(stop));
  // shims outlive containerd; container processes outlive their shims
  for (const shim of await findProcessesMentioning([paths.containerdSocket, paths.stateDir]))
    await stopPid(shim.pid, 2_000);
  for (const pid of await listKubepodsProcesses()) await stopPid(pid, 2_000);

  // kube-proxy's and the kubelet's iptables chains, and the CNI portmap chains
  await tryRun(kubernetesBinary('kube-proxy'), ['--cleanup']);
  await removeOwnedChains();
  await deleteCniNetns();
  await deleteLink(bridgeName);
  await unmountUnder([paths.stateDir, paths.runDir]);
  await removeKubepodsCgroups();
  await restoreSysctls(paths.sysctlBackup);
  await removeUserConveniences(paths);
  const createdHostPaths = await readCreatedHostPaths(paths);
  await removeCreatedHostPaths(createdHostPaths);
  await removeDir(paths.stateDir);
  await removeDir(paths.runDir);
  const leftovers = await findLeftovers(paths, createdHostPaths);
  if (leftovers.length > 0) throw new Error(`cluster down left things behind:\n  ${leftovers.join('\n  ')}`);
  log(`cluster ${clusterName} is down; nothing left behind`);
}

/** The hard-coded host paths this cluster's `up` created (they did not exist before). */
export async function readCreatedHostPaths(paths: ClusterPaths = defaultClusterPaths): Promise<string[]> {
  try {
    return JSON.parse(await readFile(paths.createdHostPaths, 'utf8')) as string[];
  } catch {
    return [];
  }
}

async function removeCreatedHostPaths(hostPaths: string[]): Promise<void> {
  // another containerd on this host would share containerd 1.6's fixed shim socket directory
  const otherContainerd = (await findProcessesMentioning(['containerd'])).some((p) =>
    /(^|\/)containerd( |$)/.test(p.cmdline),
  );
  for (const hostPath of hostPaths) {
    if (hostPath === '/run/containerd' && otherContainerd) continue;
    await rm(hostPath, { recursive: true, force: true });
  }
}

/** Everything the cluster could leave on the host; empty after a clean `down`. */
export async function findLeftovers(
  paths: ClusterPaths = defaultClusterPaths,
  createdHostPaths: string[] = [],
): Promise<string[]> {
  const found: string[] = [];
  for (const hostPath of createdHostPaths) if (existsSync(hostPath)) found.push(`path ${hostPath}`);
  for (const p of await findProcessesMentioning([paths.containerdSocket, paths.stateDir, paths.runDir])) {
    found.push(`process ${p.pid}: ${p.cmdline.slice(0, 120)}`);
  }
  for (const { name, pid } of await readPidFiles(paths.pidDir))
    if (isAlive(pid)) found.push(`process ${name} (${pid})`);
  for (const target of await listMountsUnder([paths.stateDir, paths.runDir])) found.push(`mount ${target}`);
  for (const netns of await listCniNetns()) found.push(`network namespace ${netns}`);
  if (await linkExists(bridgeName)) found.push(`network interface ${bridgeName}`);
  for (const chain of await listOwnedChains()) found.push(`iptables chain ${chain}`);
  for (const cgroup of await listKubepodsCgroups()) found.push(`cgroup ${cgroup}`);
  for (const dir of [paths.stateDir, paths.runDir]) if (existsSync(dir)) found.push(`directory ${dir}`);
  return found;
}

export async function clusterStatus(
  paths: ClusterPaths = defaultClusterPaths,
  log: Log = console.log,
): Promise<boolean> {
  const pids = new Map((await readPidFiles(paths.pidDir)).map((p) => [p.name, p.pid]));
  let healthy = true;
  for (const name of components) {
    const pid = pids.get(name);
    const alive = pid !== undefined && isAlive(pid);
    healthy &&= alive;
    log(
      `  ${alive ? '✓' : '✗'} ${name.padEnd(24)} ${alive ? `pid ${pid}` : 'not running'}  log: ${path.join(paths.logDir, `${name}.log`)}`,
    );
  }
  if (healthy) {
    try {
      const kube = KubeClient.fromKubeconfigFile(paths.adminKubeconfig);
      const node = await kube.core.readNode({ name: nodeName });
      const ready = node.status?.conditions?.find((c) => c.type === 'Ready');
      log(`  node ${nodeName}: Ready=${ready?.status ?? 'Unknown'} ${ready?.message ?? ''}`);
      healthy = ready?.status === 'True';
    } catch (error) {
      log(`  apiserver not answering: ${(error as Error).message}`);
      healthy = false;
    }
  }
  log(`kubeconfig: ${paths.adminKubeconfig}${existsSync(paths.adminKubeconfig) ? '' : ' (absent)'}`);
  log(healthy ? `cluster ${clusterName} is up` : `cluster ${clusterName} is not (fully) up`);
  return healthy;
}
