// Unit tests of the harness's pure builders: command lines, node configuration files, kubeconfig,
// certificate requests and iptables rule parsing.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { buildClusterPaths } from '../../harness/cluster/cluster-layout.ts';
import { splitRule } from '../../harness/cluster/host.ts';
import {
  buildCniConflist,
  buildContainerdConfig,
  buildCorefile,
  buildKubeletConfig,
  buildKubeProxyConfig,
} from '../../harness/cluster/node-config.ts';
import { buildApiserverArgs, buildEtcdArgs, type PkiFiles } from '../../harness/control-plane-args.ts';
import { buildKubeconfig, buildTokenKubeconfigFrom } from '../../harness/kubeconfig.ts';
import { buildNatsConfig } from '../../harness/nats-server.ts';
import { buildExtensions, buildSubject } from '../../harness/pki.ts';
import { buildTestNamespaceName } from '../../harness/test-namespace.ts';

const pki: PkiFiles = {
  caCert: '/p/ca.crt',
  caKey: '/p/ca.key',
  apiserverCert: '/p/apiserver.crt',
  apiserverKey: '/p/apiserver.key',
  apiserverKubeletClientCert: '/p/kc.crt',
  apiserverKubeletClientKey: '/p/kc.key',
  serviceAccountPrivateKey: '/p/sa.key',
  serviceAccountPublicKey: '/p/sa.pub',
};
const paths = buildClusterPaths('/state', '/run/x');

describe('control-plane command lines', () => {
  it('etcd listens on loopback only', () => {
    const args = buildEtcdArgs({ name: 'n', dataDir: '/d', clientPort: 1, peerPort: 2 });
    assert.ok(args.includes('--listen-client-urls=http://127.0.0.1:1'));
    assert.ok(args.includes('--listen-peer-urls=http://127.0.0.1:2'));
  });

  const apiserver = (withControllerManager: boolean) =>
    buildApiserverArgs({
      pki,
      etcdUrl: 'http://127.0.0.1:1',
      bindAddress: '127.0.0.1',
      advertiseAddress: '127.0.0.1',
      securePort: 3,
      certDir: '/c',
      serviceClusterIpRange: '10.96.0.0/24',
      withControllerManager,
    });

  it('apiserver authorizes with Node and RBAC and verifies kubelets', () => {
    const args = apiserver(true);
    assert.ok(args.includes('--authorization-mode=Node,RBAC'));
    assert.ok(args.includes('--kubelet-certificate-authority=/p/ca.crt'));
    assert.ok(!args.some((a) => a.startsWith('--disable-admission-plugins')));
  });

  it('apiserver without a controller-manager turns off ServiceAccount admission only', () => {
    assert.ok(apiserver(false).includes('--disable-admission-plugins=ServiceAccount'));
  });
});

describe('node configuration', () => {
  it('containerd restricts oom_score_adj and uses cgroupfs with our sockets and CNI dir', () => {
    const toml = buildContainerdConfig(paths);
    assert.match(toml, /restrict_oom_score_adj = true/);
    assert.match(toml, /SystemdCgroup = false/);
    assert.match(toml, /address = "\/run\/x\/containerd\/containerd.sock"/);
    assert.match(toml, /conf_dir = "\/state\/cni\/net.d"/);
  });

  it('CNI keeps pod traffic on the host: no masquerade, no default route', () => {
    const conflist = JSON.parse(buildCniConflist(paths)) as {
      plugins: { type: string; ipMasq?: boolean; ipam?: { routes: { dst: string }[] } }[];
    };
    const bridge = conflist.plugins.find((p) => p.type === 'bridge');
    assert.equal(bridge?.ipMasq, false);
    assert.ok(!bridge?.ipam?.routes.some((r) => r.dst === '0.0.0.0/0'));
  });

  it('kubelet runs on cgroupfs, keeps imported images, and uses cluster DNS on the node', () => {
    const config = parse(
      buildKubeletConfig({
        paths,
        caFile: '/ca',
        servingCertFile: '/s.crt',
        servingKeyFile: '/s.key',
        maxOpenFiles: 20000,
      }),
    ) as Record<string, unknown>;
    assert.equal(config.cgroupDriver, 'cgroupfs');
    assert.equal(config.imageGCHighThresholdPercent, 100);
    assert.deepEqual(config.clusterDNS, ['10.244.0.1']);
    assert.equal(config.maxOpenFiles, 20000);
    assert.equal(config.readOnlyPort, 0);
  });

  it('kube-proxy uses iptables and leaves conntrack limits alone', () => {
    const config = parse(buildKubeProxyConfig('/k')) as { mode: string; conntrack: { maxPerCore: number } };
    assert.equal(config.mode, 'iptables');
    assert.equal(config.conntrack.maxPerCore, 0);
  });

  it('CoreDNS answers cluster names from the apiserver and nothing else', () => {
    const corefile = buildCorefile('/k');
    assert.match(corefile, /kubernetes cluster\.local in-addr\.arpa ip6\.arpa \{\n\s+kubeconfig \/k/);
    assert.match(corefile, /rcode NXDOMAIN/);
    assert.doesNotMatch(corefile, /forward/);
  });
});

describe('kubeconfig', () => {
  const admin = buildKubeconfig({
    server: 'https://127.0.0.1:6443',
    certificateAuthorityPem: 'CA',
    userName: 'admin',
    credentials: { clientCertificatePem: 'CERT', clientKeyPem: 'KEY' },
  });

  it('embeds certificate data base64-encoded', () => {
    const config = parse(admin) as { users: { user: Record<string, string> }[] };
    assert.equal(
      Buffer.from(config.users[0]?.user['client-certificate-data'] ?? '', 'base64').toString(),
      'CERT',
    );
  });

  it('derives a token kubeconfig for the same cluster', () => {
    const config = parse(buildTokenKubeconfigFrom(admin, 'sa', 'T', 'ns')) as {
      clusters: { cluster: { server: string } }[];
      users: { user: { token: string } }[];
      contexts: { context: { namespace: string } }[];
    };
    assert.equal(config.clusters[0]?.cluster.server, 'https://127.0.0.1:6443');
    assert.equal(config.users[0]?.user.token, 'T');
    assert.equal(config.contexts[0]?.context.namespace, 'ns');
  });

  it('refuses a kubeconfig without a cluster', () => {
    assert.throws(() => buildTokenKubeconfigFrom('apiVersion: v1\nclusters: []\n', 'sa', 'T'), /no cluster/);
  });
});

describe('certificates and names', () => {
  it('puts organizations before the common name', () => {
    assert.equal(
      buildSubject('kubernetes-admin', ['system:masters']),
      '/O=system:masters/CN=kubernetes-admin',
    );
  });

  it('adds SANs for serving certificates', () => {
    const ext = buildExtensions({
      name: 'a',
      commonName: 'a',
      usage: 'server',
      dnsNames: ['localhost'],
      ipAddresses: ['127.0.0.1'],
    });
    assert.match(ext, /extendedKeyUsage=serverAuth/);
    assert.match(ext, /subjectAltName=DNS:localhost,IP:127\.0\.0\.1/);
  });

  it('makes DNS-label namespace names from any suite name', () => {
    const name = buildTestNamespaceName('Control Plane/RBAC_Suite!');
    assert.match(name, /^t-control-plane-rbac-suite-[0-9a-f]{6}$/);
    assert.ok(name.length <= 63);
  });

  it('splits iptables rules keeping quoted comments whole', () => {
    assert.deepEqual(splitRule('-m comment --comment "kube proxy \\"x\\"" -j KUBE-SVC'), [
      '-m',
      'comment',
      '--comment',
      'kube proxy "x"',
      '-j',
      'KUBE-SVC',
    ]);
  });

  it('writes a JetStream config confined to loopback', () => {
    const conf = buildNatsConfig({ port: 1, monitorPort: 2, storeDir: '/s' });
    assert.match(conf, /listen: 127\.0\.0\.1:1/);
    assert.match(conf, /http: 127\.0\.0\.1:2/);
    assert.match(conf, /store_dir: "\/s"/);
  });
});
