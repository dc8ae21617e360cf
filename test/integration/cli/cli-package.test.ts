// The CLI as users get it: the package built from this repository (compiled JavaScript and what
// package.json's `files` names, staged outside the working tree so the test changes nothing in
// it), packed with `npm pack`, installed with `npm install -g` into a temporary prefix from the
// npm registry, and run from there: `version`, `--help`, and `install --dry-run` against the real
// apiserver, which reads the manifests the package ships.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { repoRoot } from '../../harness/binaries.ts';
import { integrationKubeconfigPath } from '../../harness/integration.ts';

const run = promisify(execFile);
const nodeBin = path.dirname(process.execPath);

describe('the packed CLI installed with npm install -g', () => {
  let work = '';
  let tarball = '';
  let k8sclaw = '';
  const env = () => ({ ...process.env, PATH: `${nodeBin}:${process.env.PATH ?? ''}` });
  const cli = async (args: string[], extra: NodeJS.ProcessEnv = {}) =>
    await run(k8sclaw, args, { env: { ...env(), ...extra }, timeout: 120_000 });

  before(async () => {
    work = await mkdtemp(path.join(os.tmpdir(), 'k8sclaw-package-'));
    const stage = path.join(work, 'stage');
    // what `npm pack`'s prepack does in the repository, into the stage instead of ./dist
    await run(
      path.join(repoRoot, 'node_modules', '.bin', 'tsc'),
      ['-p', path.join(repoRoot, 'tsconfig.build.json'), '--outDir', path.join(stage, 'dist')],
      { env: env(), timeout: 600_000 },
    );
    for (const entry of ['package.json', 'README.md', 'config', 'migrations'])
      await cp(path.join(repoRoot, entry), path.join(stage, entry), { recursive: true });
    const packed = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], {
      cwd: stage,
      env: env(),
      timeout: 300_000,
    });
    tarball = path.join(work, (JSON.parse(packed.stdout) as [{ filename: string }])[0].filename);
    const prefix = path.join(work, 'prefix');
    await run('npm', ['install', '--global', '--prefix', prefix, '--no-fund', '--no-audit', tarball], {
      env: env(),
      timeout: 600_000,
    });
    k8sclaw = path.join(prefix, 'bin', 'k8sclaw');
  });
  after(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('holds compiled JavaScript, the manifests and migrations, and no sources or tests', async () => {
    const { stdout } = await run('tar', ['-tzf', tarball]);
    const files = stdout.trim().split('\n');
    assert.ok(files.includes('package/dist/src/cmd/k8sclaw.js'));
    assert.ok(files.includes('package/config/crd/bases/k8sclaw.io_agentruns.yaml'));
    assert.ok(files.includes('package/config/profiles/local.yaml'));
    assert.ok(files.includes('package/migrations/0001_sessions.sql'));
    assert.deepEqual(
      files.filter((f) => /\.ts$|\.map$|^package\/(src|test|bench|hack)\/|\.test\.js$/.test(f)),
      [],
    );
  });

  it('runs version and --help from the install prefix', async () => {
    const { version } = JSON.parse(await readFile(path.join(repoRoot, 'package.json'), 'utf8')) as {
      version: string;
    };
    const shown = await cli(['version']);
    assert.match(shown.stdout, new RegExp(`^k8sclaw ${version.replaceAll('.', '\\.')} \\(node v24\\.`));
    const help = await cli(['--help']);
    for (const command of ['install', 'onboard', 'runs', 'instances', 'completion'])
      assert.match(help.stdout, new RegExp(`\\n  ${command}\\b`), `--help lists ${command}`);
  });

  it('install --dry-run reads the manifests the package ships', async () => {
    const result = await cli(['install', '--profile', 'local', '--dry-run'], {
      KUBECONFIG: integrationKubeconfigPath(),
    });
    assert.match(
      result.stdout,
      /✓ customresourcedefinition\/agentruns\.k8sclaw\.io \(validated, not applied\)/,
    );
    assert.match(result.stdout, /nothing was changed/);
  });
});
