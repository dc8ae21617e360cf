// Runs the kubectl built from the pinned Kubernetes release, as a user would.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { kubernetesBinary } from './binaries.ts';

const run = promisify(execFile);

export async function kubectl(kubeconfig: string, ...args: string[]): Promise<string> {
  const { stdout } = await run(kubernetesBinary('kubectl'), ['--kubeconfig', kubeconfig, ...args], {
    maxBuffer: 16 * 1024 * 1024,
  });
  return stdout;
}
