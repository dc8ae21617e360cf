// The CLI as users get it (test/harness/packed-cli.ts): the package built from this repository,
// packed with `npm pack`, installed with `npm install -g` into a temporary prefix from the npm
// registry, and run from there: `version`, `--help`, `install --dry-run` against the real
// apiserver, which reads the manifests the package ships, and the TUI on a terminal (the install
// and the TUI are chunks of the bundle of their own, loaded when used).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { repoRoot } from '../../harness/binaries.ts';
import { CliTerminal } from '../../harness/cli-terminal.ts';
import { integrationKubeconfigPath } from '../../harness/integration.ts';
import { installPackedCli, nodeOnPath } from '../../harness/packed-cli.ts';

const run = promisify(execFile);

describe('the packed CLI installed with npm install -g', () => {
  let work = '';
  let tarball = '';
  let k8sclaw = '';
  const cli = async (args: string[], extra: NodeJS.ProcessEnv = {}) =>
    await run(k8sclaw, args, { env: { ...nodeOnPath(), ...extra }, timeout: 120_000 });

  before(async () => {
    work = await mkdtemp(path.join(os.tmpdir(), 'k8sclaw-package-'));
    ({ tarball, bin: k8sclaw } = await installPackedCli(work));
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
