// The k8sclaw CLI as users get it: the npm package built from this repository by
// hack/build-cli.ts (the bundle, config/, migrations/ and the package's own package.json, in a
// directory of its own), packed with `npm pack` and installed with `npm install -g` into a prefix
// of its own. Everything is written under the given work directory: nothing in the checkout changes.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { repoRoot } from './binaries.ts';

const run = promisify(execFile);

export interface PackedCli {
  /** The tarball `npm pack` wrote. */
  tarball: string;
  /** The installed `k8sclaw` command (`<prefix>/bin/k8sclaw`). */
  bin: string;
  /** The installed package's directory (`<prefix>/lib/node_modules/k8sclaw`). */
  root: string;
}

/** Node's directory first on PATH, so that npm and the `#!/usr/bin/env node` of the bin find it. */
export function nodeOnPath(): NodeJS.ProcessEnv {
  return { ...process.env, PATH: `${path.dirname(process.execPath)}:${process.env.PATH ?? ''}` };
}

/** Packs the CLI into `work` and installs it with `npm install -g --prefix <work>/prefix`. */
export async function installPackedCli(work: string): Promise<PackedCli> {
  const env = nodeOnPath();
  const packageDir = path.join(work, 'package');
  await run(process.execPath, [path.join(repoRoot, 'hack', 'build-cli.ts'), packageDir], {
    env,
    timeout: 300_000,
  });
  const packed = await run('npm', ['pack', '--json', '--pack-destination', work, packageDir], {
    cwd: work,
    env,
    timeout: 300_000,
  });
  const tarball = path.join(work, (JSON.parse(packed.stdout) as [{ filename: string }])[0].filename);
  const prefix = path.join(work, 'prefix');
  await run('npm', ['install', '--global', '--prefix', prefix, '--no-fund', '--no-audit', tarball], {
    env,
    timeout: 600_000,
  });
  return {
    tarball,
    bin: path.join(prefix, 'bin', 'k8sclaw'),
    root: path.join(prefix, 'lib', 'node_modules', 'k8sclaw'),
  };
}
