// Where the local single-node cluster lives and how it is addressed. Everything it writes is under
// stateDir and runDir, which `down` removes. The node's address sits on a bridge the cluster
// creates for its pods, so all traffic stays on this machine: pods reach only the node, each other
// and Service addresses (no default route, no masquerading to the outside).
import path from 'node:path';

export const clusterName = 'k8sclaw-local';
export const nodeName = 'k8sclaw-node';
export const bridgeName = 'k8sclaw0';
export const cniNetworkName = 'k8sclaw';
export const podCidr = '10.244.0.0/24';
export const nodeIp = '10.244.0.1';
export const serviceCidr = '10.96.0.0/24';
export const clusterDomain = 'cluster.local';

export const ports = {
  apiserver: 6443,
  etcdClient: 12379,
  etcdPeer: 12380,
  controllerManager: 10257,
  scheduler: 10259,
  kubelet: 10250,
  kubeletHealthz: 10248,
  kubeProxyHealthz: 10256,
  kubeProxyMetrics: 10249,
  corednsHealth: 18080,
  corednsReady: 18181,
} as const;

export interface ClusterPaths {
  stateDir: string;
  runDir: string;
  pkiDir: string;
  pidDir: string;
  logDir: string;
  etcdDataDir: string;
  containerdRoot: string;
  containerdState: string;
  containerdSocket: string;
  containerdConfig: string;
  cniConfDir: string;
  cniDataDir: string;
  kubeletRoot: string;
  kubeletConfig: string;
  kubeProxyConfig: string;
  corefile: string;
  adminKubeconfig: string;
  /** Where the volume provisioner puts the directories of PersistentVolumes. */
  volumeDir: string;
  sysctlBackup: string;
  /** Host paths outside stateDir/runDir that `up` created, so `down` removes exactly those. */
  createdHostPaths: string;
}

export function buildClusterPaths(stateDir: string, runDir: string): ClusterPaths {
  return {
    stateDir,
    runDir,
    pkiDir: path.join(stateDir, 'pki'),
    pidDir: path.join(runDir, 'pids'),
    logDir: path.join(stateDir, 'logs'),
    etcdDataDir: path.join(stateDir, 'etcd'),
    containerdRoot: path.join(stateDir, 'containerd'),
    containerdState: path.join(runDir, 'containerd'),
    containerdSocket: path.join(runDir, 'containerd', 'containerd.sock'),
    containerdConfig: path.join(stateDir, 'containerd.toml'),
    cniConfDir: path.join(stateDir, 'cni', 'net.d'),
    cniDataDir: path.join(stateDir, 'cni', 'networks'),
    kubeletRoot: path.join(stateDir, 'kubelet'),
    kubeletConfig: path.join(stateDir, 'kubelet.yaml'),
    kubeProxyConfig: path.join(stateDir, 'kube-proxy.yaml'),
    corefile: path.join(stateDir, 'Corefile'),
    adminKubeconfig: path.join(stateDir, 'admin.kubeconfig'),
    volumeDir: path.join(stateDir, 'volumes'),
    sysctlBackup: path.join(stateDir, 'sysctl-backup.json'),
    createdHostPaths: path.join(stateDir, 'created-host-paths.json'),
  };
}

export const defaultClusterPaths = buildClusterPaths('/var/lib/k8sclaw-cluster', '/run/k8sclaw-cluster');

/**
 * Paths the node's components use whatever they are configured with: the kubelet's device-plugin
 * directory and container-log links, libcni's result cache, containerd 1.6's shim socket directory.
 */
export const hardcodedHostPaths = [
  '/var/lib/kubelet',
  '/var/log/containers',
  '/var/log/pods',
  '/var/lib/cni',
  '/run/containerd',
];

/** The name under which the pause image is imported; containerd uses it as the sandbox image. */
export const pauseImage = 'localhost/k8sclaw/pause:3.10';
