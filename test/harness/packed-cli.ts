// The k8sclaw CLI as users get it: the npm package built from this repository, packed with
// `npm pack` and installed with `npm install -g` into a prefix of its own. The package is staged
// outside the working tree (what package.json's `files` names, with the CLI bundled into the stage
// by hack/build-cli.ts, which is what `npm pack`'s prepack does in the repository), so packing
// changes nothing in the checkout.
import { execFile } from 'node:child_process';
import { cp } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { repoRoot } from './binaries.ts';

const run = promisify(execFile);

export interface PackedCli {
  /** The tarball `npm pack` wrote. */
  tarball: string;
  /** The installed `k8sclaw` command (`<prefix>/bin/k8sclaw`). */
  bin: string;
}

/** Node's directory first on PATH, so that npm and the `#!/usr/bin/env node` of the bin find it. */
export function nodeOnPath(): NodeJS.ProcessEnv {
  return { ...process.env, PATH: `${path.dirname(process.execPath)}:${process.env.PATH ?? ''}` };
}

/** Packs the CLI into `work` and installs it with `npm install -g --prefix <work>/prefix`. */
export async function installPackedCli(work: string): Promise<PackedCli> {
  const env = nodeOnPath();
  const stage = path.join(work, 'stage');
  for (const entry of ['package.json', 'README.md', 'config', 'migrations'])
    await cp(path.join(repoRoot, entry), path.join(stage, entry), { recursive: true });
  await run(
    process.execPath,
    [path.join(repoRoot, 'hack', 'build-cli.ts'), path.join(stage, 'dist', 'cli')],
    {
      env,
      timeout: 300_000,
    },
  );
  const packed = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], {
    cwd: stage,
    env,
    timeout: 300_000,
  });
  const tarball = path.join(work, (JSON.parse(packed.stdout) as [{ filename: string }])[0].filename);
  const prefix = path.join(work, 'prefix');
  await run('npm', ['install', '--global', '--prefix', prefix, '--no-fund', '--no-audit', tarball], {
    env,
    timeout: 600_000,
  });
  return { tarball, bin: path.join(prefix, 'bin', 'k8sclaw') };
}
