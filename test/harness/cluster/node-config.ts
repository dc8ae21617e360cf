// Pure builders of the node's configuration files: containerd, CNI, kubelet, kube-proxy and
// CoreDNS. Values that this VM needs (and why) are commented where they are set.
import { stringify } from 'yaml';
import {
  bridgeName,
  cniNetworkName,
  clusterDomain,
  nodeIp,
  nodeName,
  pauseImage,
  podCidr,
  ports,
  serviceCidr,
  type ClusterPaths,
} from './cluster-layout.ts';

export function buildContainerdConfig(paths: ClusterPaths): string {
  const cri = 'plugins."io.containerd.grpc.v1.cri"';
  return `version = 2
root = "${paths.containerdRoot}"
state = "${paths.containerdState}"

[grpc]
  address = "${paths.containerdSocket}"

[ttrpc]
  address = "${paths.containerdSocket}.ttrpc"

[plugins."io.containerd.internal.v1.opt"]
  path = "${paths.containerdRoot}/opt"

[${cri}]
  sandbox_image = "${pauseImage}"
  # the VM lacks CAP_SYS_RESOURCE, so runc cannot lower oom_score_adj below the caller's
  restrict_oom_score_adj = true
  enable_selinux = false
  stream_server_address = "127.0.0.1"

[${cri}.containerd]
  snapshotter = "overlayfs"
  default_runtime_name = "runc"

[${cri}.containerd.runtimes.runc]
  runtime_type = "io.containerd.runc.v2"

[${cri}.containerd.runtimes.runc.options]
  # cgroupfs, matching the kubelet (containerd 1.6 cannot report its driver to the kubelet)
  SystemdCgroup = false
  Root = "${paths.runDir}/runc"

[${cri}.cni]
  bin_dir = "/usr/lib/cni"
  conf_dir = "${paths.cniConfDir}"
`;
}

export function buildCniConflist(paths: ClusterPaths): string {
  return (
    JSON.stringify(
      {
        cniVersion: '0.4.0',
        name: cniNetworkName,
        plugins: [
          {
            type: 'bridge',
            bridge: bridgeName,
            isGateway: true,
            // no masquerading and no default route: pods reach only the node, pods and Services
            ipMasq: false,
            hairpinMode: true,
            ipam: {
              type: 'host-local',
              dataDir: paths.cniDataDir,
              ranges: [[{ subnet: podCidr, gateway: nodeIp }]],
              routes: [{ dst: serviceCidr }],
            },
          },
          { type: 'portmap', capabilities: { portMappings: true } },
          { type: 'loopback' },
        ],
      },
      null,
      2,
    ) + '\n'
  );
}

export interface KubeletConfigInput {
  paths: ClusterPaths;
  caFile: string;
  servingCertFile: string;
  servingKeyFile: string;
  /** The host's hard open-files limit: the kubelet cannot raise it and only logs the failure. */
  maxOpenFiles: number;
}

export function buildKubeletConfig(input: KubeletConfigInput): string {
  const { paths } = input;
  return stringify({
    apiVersion: 'kubelet.config.k8s.io/v1beta1',
    kind: 'KubeletConfiguration',
    address: nodeIp,
    port: ports.kubelet,
    readOnlyPort: 0,
    healthzBindAddress: '127.0.0.1',
    healthzPort: ports.kubeletHealthz,
    containerRuntimeEndpoint: `unix://${paths.containerdSocket}`,
    cgroupDriver: 'cgroupfs',
    cgroupsPerQOS: true,
    // this host runs cgroup v1; 1.33 accepts it, the field keeps later minors working too
    failCgroupV1: false,
    failSwapOn: false,
    // without CAP_SYS_RESOURCE the kubelet cannot lower its own OOM score
    oomScoreAdj: 0,
    maxOpenFiles: input.maxOpenFiles,
    tlsCertFile: input.servingCertFile,
    tlsPrivateKeyFile: input.servingKeyFile,
    authentication: {
      anonymous: { enabled: false },
      webhook: { enabled: true },
      x509: { clientCAFile: input.caFile },
    },
    authorization: { mode: 'Webhook' },
    clusterDomain,
    clusterDNS: [nodeIp],
    podCIDR: podCidr,
    volumePluginDir: `${paths.kubeletRoot}/volume-plugins`,
    podLogsDir: `${paths.kubeletRoot}/pod-logs`,
    // images are imported locally and can never be pulled again: never garbage-collect them
    imageGCHighThresholdPercent: 100,
    imageGCLowThresholdPercent: 99,
    evictionHard: {
      'memory.available': '100Mi',
      'nodefs.available': '1%',
      'nodefs.inodesFree': '1%',
      'imagefs.available': '1%',
    },
    serializeImagePulls: false,
    maxPods: 110,
    registerNode: true,
    nodeStatusReportFrequency: '10s',
  });
}

export function buildKubeProxyConfig(kubeconfig: string): string {
  return stringify({
    apiVersion: 'kubeproxy.config.k8s.io/v1alpha1',
    kind: 'KubeProxyConfiguration',
    clientConnection: { kubeconfig },
    mode: 'iptables',
    clusterCIDR: podCidr,
    hostnameOverride: nodeName,
    healthzBindAddress: `127.0.0.1:${ports.kubeProxyHealthz}`,
    metricsBindAddress: `127.0.0.1:${ports.kubeProxyMetrics}`,
    nodePortAddresses: [`${nodeIp}/32`],
    // leave the host's conntrack limits and timeouts as they are
    conntrack: { maxPerCore: 0, min: 0, tcpEstablishedTimeout: '0s', tcpCloseWaitTimeout: '0s' },
    iptables: { localhostNodePorts: false },
  });
}

/**
 * CoreDNS runs on the node itself, bound to the node address. Cluster names are answered from the
 * apiserver; everything else is NXDOMAIN, since pods have no route out of this machine anyway.
 */
export function buildCorefile(kubeconfig: string): string {
  return `${clusterDomain}:53 in-addr.arpa:53 ip6.arpa:53 {
    bind ${nodeIp}
    errors
    health 127.0.0.1:${ports.corednsHealth}
    ready 127.0.0.1:${ports.corednsReady}
    kubernetes ${clusterDomain} in-addr.arpa ip6.arpa {
        kubeconfig ${kubeconfig}
        pods insecure
        fallthrough in-addr.arpa ip6.arpa
    }
    cache 10
}
.:53 {
    bind ${nodeIp}
    errors
    template ANY ANY {
        rcode NXDOMAIN
    }
}
`;
}
