// The complete PKI of a control plane: CA, apiserver serving certificate, the apiserver's client
// certificate towards kubelets, service-account keys, and one client certificate per identity that
// talks to the apiserver (admin, controller-manager, scheduler, and optionally a node). Identities
// follow upstream's bootstrap RBAC names, so each component gets only its own built-in role.
import { mkdir } from 'node:fs/promises';
import {
  createCertificateAuthority,
  createServiceAccountKeyPair,
  issueCertificate,
  type KeyPairFiles,
} from './pki.ts';
import type { PkiFiles } from './control-plane-args.ts';

export interface ControlPlanePkiOptions {
  apiserverIpAddresses: string[];
  /** Node names that get a `system:node:<name>` client certificate and a kubelet serving cert. */
  nodes?: { name: string; ipAddress: string }[];
  /** Further client identities, e.g. `system:kube-proxy`, keyed by file stem. */
  clients?: { name: string; commonName: string; organizations?: string[] }[];
}

export interface ControlPlanePki extends PkiFiles {
  admin: KeyPairFiles;
  controllerManager: KeyPairFiles;
  scheduler: KeyPairFiles;
  nodes: Record<string, { client: KeyPairFiles; serving: KeyPairFiles }>;
  clients: Record<string, KeyPairFiles>;
}

export async function createControlPlanePki(
  dir: string,
  options: ControlPlanePkiOptions,
): Promise<ControlPlanePki> {
  await mkdir(dir, { recursive: true });
  const ca = await createCertificateAuthority(dir, 'k8sclaw-local-ca');
  const serviceIp = '10.96.0.1';
  const [apiserver, kubeletClient, sa, admin, controllerManager, scheduler] = await Promise.all([
    issueCertificate(ca, dir, {
      name: 'apiserver',
      commonName: 'kube-apiserver',
      usage: 'server',
      dnsNames: [
        'localhost',
        'kubernetes',
        'kubernetes.default',
        'kubernetes.default.svc',
        'kubernetes.default.svc.cluster.local',
      ],
      ipAddresses: [...new Set(['127.0.0.1', serviceIp, ...options.apiserverIpAddresses])],
    }),
    issueCertificate(ca, dir, {
      name: 'apiserver-kubelet-client',
      commonName: 'kube-apiserver-kubelet-client',
      organizations: ['system:masters'],
      usage: 'client',
    }),
    createServiceAccountKeyPair(dir),
    issueCertificate(ca, dir, {
      name: 'admin',
      commonName: 'kubernetes-admin',
      organizations: ['system:masters'],
      usage: 'client',
    }),
    issueCertificate(ca, dir, {
      name: 'controller-manager',
      commonName: 'system:kube-controller-manager',
      usage: 'client',
    }),
    issueCertificate(ca, dir, { name: 'scheduler', commonName: 'system:kube-scheduler', usage: 'client' }),
  ]);
  const nodes: ControlPlanePki['nodes'] = {};
  for (const node of options.nodes ?? []) {
    nodes[node.name] = {
      client: await issueCertificate(ca, dir, {
        name: `node-${node.name}`,
        commonName: `system:node:${node.name}`,
        organizations: ['system:nodes'],
        usage: 'client',
      }),
      serving: await issueCertificate(ca, dir, {
        name: `kubelet-${node.name}`,
        commonName: node.name,
        usage: 'server',
        dnsNames: [node.name],
        ipAddresses: [node.ipAddress],
      }),
    };
  }
  const clients: ControlPlanePki['clients'] = {};
  for (const client of options.clients ?? []) {
    clients[client.name] = await issueCertificate(ca, dir, { ...client, usage: 'client' });
  }
  return {
    caCert: ca.certFile,
    caKey: ca.keyFile,
    apiserverCert: apiserver.certFile,
    apiserverKey: apiserver.keyFile,
    apiserverKubeletClientCert: kubeletClient.certFile,
    apiserverKubeletClientKey: kubeletClient.keyFile,
    serviceAccountPrivateKey: sa.privateKeyFile,
    serviceAccountPublicKey: sa.publicKeyFile,
    admin,
    controllerManager,
    scheduler,
    nodes,
    clients,
  };
}
