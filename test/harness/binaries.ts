// Locates the upstream binaries built from Go modules by hack/, and cert-manager's CRDs fetched
// there. The scripts are cached by version, so calling them again only prints the directory; the
// environment variables set by the Makefile skip even that.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

function lastLine(output: string): string {
  const lines = output.trim().split('\n');
  return lines[lines.length - 1] ?? '';
}

function resolveBinDir(envName: string, script: string): string {
  const fromEnv = process.env[envName];
  if (fromEnv) return fromEnv;
  const output = execFileSync(path.join(repoRoot, script), {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const dir = lastLine(output);
  process.env[envName] = dir;
  return dir;
}

/** kube-apiserver, kube-controller-manager, kube-scheduler, kubelet, kube-proxy, kubectl, etcd. */
export function kubernetesBinary(name: string): string {
  return path.join(resolveBinDir('K8SCLAW_K8S_BIN', 'hack/k8s/build.sh'), name);
}

/** coredns, nats-server. */
export function goToolBinary(name: string): string {
  return path.join(resolveBinDir('K8SCLAW_TOOLS_BIN', 'hack/go-tools.sh'), name);
}

/** The directory of cert-manager's CRDs (deploy/crds of its module, in the Go module cache). */
export function certManagerCrdsDir(): string {
  return resolveBinDir('K8SCLAW_CERT_MANAGER_CRDS', 'hack/cert-manager-crds.sh');
}
