// Entry point for end-to-end test files: the admin client of the local cluster (hack/cluster up)
// and the tags of the images built by hack/images.sh.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { KubeClient } from '../../src/kube/index.ts';
import { repoRoot } from './binaries.ts';

export function e2eKubeClient(): KubeClient {
  const file = process.env.KUBECONFIG;
  if (!file)
    throw new Error('KUBECONFIG is not set: run end-to-end tests with `make e2e`, which starts the cluster');
  return KubeClient.fromKubeconfigFile(file);
}

/** The tag of one locally built image, e.g. `localhost/k8sclaw/k8sclaw:0.1.0` for `k8sclaw`. */
export function localImage(name: string): string {
  const tags = execFileSync(path.join(repoRoot, 'hack', 'images.sh'), ['list'], { encoding: 'utf8' })
    .trim()
    .split('\n');
  const tag = tags.find((t) => t.startsWith(`localhost/k8sclaw/${name}:`));
  if (!tag) throw new Error(`hack/images.sh builds no image named ${name} (it builds: ${tags.join(', ')})`);
  return tag;
}
