// The "apiserver-only" harness for integration tests: etcd + kube-apiserver (+ optionally
// kube-controller-manager and kube-scheduler) on random loopback ports, all state in one temporary
// directory that stop() removes. Starts in seconds; no node, so Pods are created but never run.
import { setTimeout as sleep } from 'node:timers/promises';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { kubernetesBinary } from './binaries.ts';
import {
  buildApiserverArgs,
  buildControllerManagerArgs,
  buildEtcdArgs,
  buildSchedulerArgs,
} from './control-plane-args.ts';
import { createControlPlanePki, type ControlPlanePki } from './control-plane-pki.ts';
import { findFreePort } from './free-port.ts';
import { buildKubeconfig } from './kubeconfig.ts';
import { ManagedProcess } from './managed-process.ts';
import { httpOkProbe } from './probes.ts';
import type { KeyPairFiles } from './pki.ts';

export interface ControlPlaneOptions {
  controllerManager?: boolean;
  scheduler?: boolean;
  startTimeoutMs?: number;
}

export interface ControlPlane {
  dir: string;
  server: string;
  /** Admin kubeconfig (system:masters). */
  kubeconfigPath: string;
  /** etcd's client URL, for tests that act on storage directly (e.g. compaction). */
  etcdUrl: string;
  pki: ControlPlanePki;
  /**
   * Kills kube-apiserver and etcd (a crash of the control plane host), then starts them again on
   * the same ports and data after `downMs`. Resolves once the apiserver is ready again.
   */
  restartApiserverAndEtcd(downMs?: number): Promise<void>;
  stop(): Promise<void>;
}

const serviceClusterIpRange = '10.96.0.0/24';

async function writeCertKubeconfig(
  file: string,
  server: string,
  caFile: string,
  userName: string,
  keyPair: KeyPairFiles,
): Promise<string> {
  const [caPem, certPem, keyPem] = await Promise.all([
    readFile(caFile, 'utf8'),
    readFile(keyPair.certFile, 'utf8'),
    readFile(keyPair.keyFile, 'utf8'),
  ]);
  await writeFile(
    file,
    buildKubeconfig({
      server,
      certificateAuthorityPem: caPem,
      userName,
      credentials: { clientCertificatePem: certPem, clientKeyPem: keyPem },
    }),
    { mode: 0o600 },
  );
  return file;
}

export async function startControlPlane(options: ControlPlaneOptions = {}): Promise<ControlPlane> {
  const timeoutMs = options.startTimeoutMs ?? 60_000;
  const dir = await mkdtemp(path.join(os.tmpdir(), 'k8sclaw-cp-'));
  const started: ManagedProcess[] = [];
  const stop = async () => {
    for (const proc of started.reverse()) await proc.stop();
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const pki = await createControlPlanePki(path.join(dir, 'pki'), { apiserverIpAddresses: ['127.0.0.1'] });
    const [etcdClientPort, etcdPeerPort, apiserverPort] = await Promise.all([
      findFreePort(),
      findFreePort(),
      findFreePort(),
    ]);

    const etcd = new ManagedProcess({
      name: 'etcd',
      command: kubernetesBinary('etcd'),
      args: buildEtcdArgs({
        name: 'test',
        dataDir: path.join(dir, 'etcd'),
        clientPort: etcdClientPort,
        peerPort: etcdPeerPort,
      }),
      logFile: path.join(dir, 'etcd.log'),
    });
    etcd.start();
    started.push(etcd);
    await etcd.waitUntilReady(httpOkProbe(`http://127.0.0.1:${etcdClientPort}/health`), timeoutMs);

    const server = `https://127.0.0.1:${apiserverPort}`;
    const apiserver = new ManagedProcess({
      name: 'kube-apiserver',
      command: kubernetesBinary('kube-apiserver'),
      args: buildApiserverArgs({
        pki,
        etcdUrl: `http://127.0.0.1:${etcdClientPort}`,
        bindAddress: '127.0.0.1',
        advertiseAddress: '127.0.0.1',
        securePort: apiserverPort,
        certDir: path.join(dir, 'apiserver-certs'),
        serviceClusterIpRange,
        withControllerManager: options.controllerManager ?? false,
      }),
      logFile: path.join(dir, 'kube-apiserver.log'),
    });
    apiserver.start();
    started.push(apiserver);
    const [caPem, adminCert, adminKey] = await Promise.all([
      readFile(pki.caCert, 'utf8'),
      readFile(pki.admin.certFile, 'utf8'),
      readFile(pki.admin.keyFile, 'utf8'),
    ]);
    await apiserver.waitUntilReady(
      httpOkProbe(`${server}/readyz`, { ca: caPem, cert: adminCert, key: adminKey }),
      timeoutMs,
    );
    const kubeconfigPath = await writeCertKubeconfig(
      path.join(dir, 'admin.kubeconfig'),
      server,
      pki.caCert,
      'kubernetes-admin',
      pki.admin,
    );

    if (options.controllerManager) {
      const port = await findFreePort();
      const kubeconfig = await writeCertKubeconfig(
        path.join(dir, 'controller-manager.kubeconfig'),
        server,
        pki.caCert,
        'system:kube-controller-manager',
        pki.controllerManager,
      );
      const kcm = new ManagedProcess({
        name: 'kube-controller-manager',
        command: kubernetesBinary('kube-controller-manager'),
        args: buildControllerManagerArgs({
          pki,
          kubeconfig,
          securePort: port,
          certDir: path.join(dir, 'kcm-certs'),
          serviceClusterIpRange,
        }),
        logFile: path.join(dir, 'kube-controller-manager.log'),
      });
      kcm.start();
      started.push(kcm);
      await kcm.waitUntilReady(
        httpOkProbe(`https://127.0.0.1:${port}/healthz`, { rejectUnauthorized: false }),
        timeoutMs,
      );
    }

    if (options.scheduler) {
      const port = await findFreePort();
      const kubeconfig = await writeCertKubeconfig(
        path.join(dir, 'scheduler.kubeconfig'),
        server,
        pki.caCert,
        'system:kube-scheduler',
        pki.scheduler,
      );
      const scheduler = new ManagedProcess({
        name: 'kube-scheduler',
        command: kubernetesBinary('kube-scheduler'),
        args: buildSchedulerArgs({
          kubeconfig,
          securePort: port,
          certDir: path.join(dir, 'scheduler-certs'),
        }),
        logFile: path.join(dir, 'kube-scheduler.log'),
      });
      scheduler.start();
      started.push(scheduler);
      await scheduler.waitUntilReady(
        httpOkProbe(`https://127.0.0.1:${port}/healthz`, { rejectUnauthorized: false }),
        timeoutMs,
      );
    }

    const restartApiserverAndEtcd = async (downMs = 0) => {
      await apiserver.crash();
      await etcd.crash();
      await sleep(downMs);
      etcd.start();
      await etcd.waitUntilReady(httpOkProbe(`http://127.0.0.1:${etcdClientPort}/health`), timeoutMs);
      apiserver.start();
      await apiserver.waitUntilReady(
        httpOkProbe(`${server}/readyz`, { ca: caPem, cert: adminCert, key: adminKey }),
        timeoutMs,
      );
    };

    return {
      dir,
      server,
      kubeconfigPath,
      etcdUrl: `http://127.0.0.1:${etcdClientPort}`,
      pki,
      restartApiserverAndEtcd,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
