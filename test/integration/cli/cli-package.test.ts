// The CLI as users get it (test/harness/packed-cli.ts): the package hack/build-cli.ts builds from
// this repository, packed with `npm pack`, installed with `npm install -g` into a temporary prefix,
// and run from there: `version`, `--help`, `install --dry-run` against the real apiserver, which
// reads the manifests the package ships, and the TUI on a terminal (the install and the TUI are
// chunks of the bundle of their own, loaded when used). The bundle holds every module it loads, so
// the package depends on nothing and the install brings no other package: everything below runs
// without one.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { repoRoot } from '../../harness/binaries.ts';
import { CliTerminal } from '../../harness/cli-terminal.ts';
import { integrationKubeconfigPath } from '../../harness/integration.ts';
import { installPackedCli, nodeOnPath } from '../../harness/packed-cli.ts';

const run = promisify(execFile);

/** The packages installed in a node_modules directory, scoped ones as `@scope/name`, sorted. */
async function installedPackages(nodeModules: string): Promise<string[]> {
  const entries = await readdir(nodeModules).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [];
    throw error;
  });
  const names: string[] = [];
  for (const entry of entries.filter((name) => !name.startsWith('.'))) {
    if (entry.startsWith('@'))
      for (const scoped of await readdir(path.join(nodeModules, entry))) names.push(`${entry}/${scoped}`);
    else names.push(entry);
  }
  return names.sort();
}

describe('the packed CLI installed with npm install -g', () => {
  let work = '';
  let tarball = '';
  let k8sclaw = '';
  let installed = '';
  const cli = async (args: string[], extra: NodeJS.ProcessEnv = {}) =>
    await run(k8sclaw, args, { env: { ...nodeOnPath(), ...extra }, timeout: 120_000 });

  before(async () => {
    work = await mkdtemp(path.join(os.tmpdir(), 'k8sclaw-package-'));
    ({ tarball, bin: k8sclaw, root: installed } = await installPackedCli(work));
  });
  after(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('holds the bundled CLI, the manifests and migrations, and no sources or tests', async () => {
    const { stdout } = await run('tar', ['-tzf', tarball]);
    const files = stdout.trim().split('\n');
    assert.ok(files.includes('package/dist/cli/k8sclaw.js'));
    assert.deepEqual(
      files.filter((f) => f.startsWith('package/dist/') && !f.startsWith('package/dist/cli/')),
      [],
      'only the bundle of dist/',
    );
    assert.ok(files.includes('package/config/crd/bases/k8sclaw.io_agentruns.yaml'));
    assert.ok(files.includes('package/config/profiles/local.yaml'));
    assert.ok(files.includes('package/migrations/0001_sessions.sql'));
    assert.deepEqual(
      files.filter((f) => /\.ts$|\.map$|^package\/(src|test|bench|hack)\/|\.test\.js$/.test(f)),
      [],
    );
  });

  it("depends on no package: the install brings none of the servers' SDKs or clients", async () => {
    const manifest = JSON.parse(await readFile(path.join(installed, 'package.json'), 'utf8')) as {
      dependencies?: Record<string, string>;
    };
    const packages = await installedPackages(path.join(installed, 'node_modules'));
    for (const heavy of [
      'pg',
      '@slack/bolt',
      'discord.js',
      'grammy',
      '@nats-io/transport-node',
      'openai',
      '@anthropic-ai/sdk',
      '@kubernetes/client-node',
      'ink',
    ])
      assert.ok(!packages.includes(heavy), `${heavy} is installed with the CLI`);
    assert.deepEqual(manifest.dependencies ?? {}, {}, 'the bundle leaves no package to load at run time');
    assert.deepEqual(packages, [], 'nothing is installed beside the bundle');
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

  it('the TUI draws its Instances view on a terminal and quits', async () => {
    const terminal = new CliTerminal(
      ['-n', 'default'],
      { KUBECONFIG: integrationKubeconfigPath() },
      { columns: 100, rows: 24 },
      k8sclaw,
    );
    try {
      await terminal.waitFor(/K8sClaw {2}\S+ {2}default/);
      terminal.type('q');
      assert.equal(await terminal.exited, 0, terminal.text.slice(-2000));
      assert.match(terminal.text, /Instances/);
    } finally {
      terminal.kill();
    }
  });
});
