// Pure builders of the command lines for etcd and the Kubernetes control-plane components.
// Shared by the test harness (random loopback ports) and the local cluster (fixed addresses).

export interface EtcdArgsInput {
  name: string;
  dataDir: string;
  clientPort: number;
  peerPort: number;
}

export function buildEtcdArgs(input: EtcdArgsInput): string[] {
  const client = `http://127.0.0.1:${input.clientPort}`;
  const peer = `http://127.0.0.1:${input.peerPort}`;
  return [
    `--name=${input.name}`,
    `--data-dir=${input.dataDir}`,
    `--listen-client-urls=${client}`,
    `--advertise-client-urls=${client}`,
    `--listen-peer-urls=${peer}`,
    `--initial-advertise-peer-urls=${peer}`,
    `--initial-cluster=${input.name}=${peer}`,
    // test data is disposable: skipping fsync makes apiserver writes an order of magnitude faster
    '--unsafe-no-fsync=true',
    '--log-level=warn',
  ];
}

export interface PkiFiles {
  caCert: string;
  caKey: string;
  apiserverCert: string;
  apiserverKey: string;
  /** The apiserver's client identity towards kubelets (logs, exec). */
  apiserverKubeletClientCert: string;
  apiserverKubeletClientKey: string;
  serviceAccountPrivateKey: string;
  serviceAccountPublicKey: string;
}

export interface ApiserverArgsInput {
  pki: PkiFiles;
  etcdUrl: string;
  bindAddress: string;
  advertiseAddress: string;
  securePort: number;
  certDir: string;
  serviceClusterIpRange: string;
  /** Without a controller-manager no `default` ServiceAccount appears, so its admission plugin is off. */
  withControllerManager: boolean;
}

export function buildApiserverArgs(input: ApiserverArgsInput): string[] {
  const { pki } = input;
  return [
    `--etcd-servers=${input.etcdUrl}`,
    `--bind-address=${input.bindAddress}`,
    `--advertise-address=${input.advertiseAddress}`,
    `--secure-port=${input.securePort}`,
    `--cert-dir=${input.certDir}`,
    `--tls-cert-file=${pki.apiserverCert}`,
    `--tls-private-key-file=${pki.apiserverKey}`,
    `--client-ca-file=${pki.caCert}`,
    '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
    `--service-account-key-file=${pki.serviceAccountPublicKey}`,
    `--service-account-signing-key-file=${pki.serviceAccountPrivateKey}`,
    '--authorization-mode=Node,RBAC',
    '--allow-privileged=true',
    `--service-cluster-ip-range=${input.serviceClusterIpRange}`,
    `--kubelet-client-certificate=${pki.apiserverKubeletClientCert}`,
    `--kubelet-client-key=${pki.apiserverKubeletClientKey}`,
    // node names do not resolve on this host; the InternalIP always does
    '--kubelet-preferred-address-types=InternalIP,Hostname',
    `--kubelet-certificate-authority=${pki.caCert}`,
    '--profiling=false',
    ...(input.withControllerManager ? [] : ['--disable-admission-plugins=ServiceAccount']),
  ];
}

export interface ControllerManagerArgsInput {
  pki: PkiFiles;
  kubeconfig: string;
  securePort: number;
  certDir: string;
  serviceClusterIpRange: string;
}

export function buildControllerManagerArgs(input: ControllerManagerArgsInput): string[] {
  return [
    `--kubeconfig=${input.kubeconfig}`,
    `--authentication-kubeconfig=${input.kubeconfig}`,
    `--authorization-kubeconfig=${input.kubeconfig}`,
    '--bind-address=127.0.0.1',
    `--secure-port=${input.securePort}`,
    `--cert-dir=${input.certDir}`,
    '--leader-elect=false',
    '--controllers=*',
    `--service-account-private-key-file=${input.pki.serviceAccountPrivateKey}`,
    `--root-ca-file=${input.pki.caCert}`,
    '--use-service-account-credentials=true',
    `--cluster-signing-cert-file=${input.pki.caCert}`,
    `--cluster-signing-key-file=${input.pki.caKey}`,
    `--service-cluster-ip-range=${input.serviceClusterIpRange}`,
    '--profiling=false',
  ];
}

export interface SchedulerArgsInput {
  kubeconfig: string;
  securePort: number;
  certDir: string;
}

export function buildSchedulerArgs(input: SchedulerArgsInput): string[] {
  return [
    `--kubeconfig=${input.kubeconfig}`,
    `--authentication-kubeconfig=${input.kubeconfig}`,
    `--authorization-kubeconfig=${input.kubeconfig}`,
    '--bind-address=127.0.0.1',
    `--secure-port=${input.securePort}`,
    `--cert-dir=${input.certDir}`,
    '--leader-elect=false',
    '--profiling=false',
  ];
}
