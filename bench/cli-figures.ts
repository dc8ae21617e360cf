// Benchmark: the k8sclaw CLI as users get it (the npm package packed and installed with
// `npm install -g` into a temporary prefix, test/harness/packed-cli.ts) against the harness etcd +
// kube-apiserver with 10,000 AgentRuns in one namespace. Figures: the installed package's size (its
// files and the packages installed with it, in bytes as the files' lengths); `k8sclaw version` (the process
// start-up every command pays), its first run after the install (Node's compile cache still empty)
// and the runs after it, beside a bare `node -e ''` (how long any process start takes at the
// machine's load); `k8sclaw runs list` until its first row is printed and until it exits;
// `runs list -o json` until it exits; and the TUI in a pseudo-terminal from its start until its Runs
// view shows the runs.
// Usage: node bench/cli-figures.ts [runs-in-namespace]
import { spawn } from 'node:child_process';
import { lstat, mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { KubeClient } from '../src/kube/index.ts';
import { instanceManifest, runManifest } from '../test/fixtures/k8sclaw-objects.ts';
import { CliTerminal } from '../test/harness/cli-terminal.ts';
import { startControlPlane } from '../test/harness/control-plane.ts';
import { installCrds } from '../test/harness/crds.ts';
import { installPackedCli, nodeOnPath } from '../test/harness/packed-cli.ts';
import { createTestNamespace } from '../test/harness/test-namespace.ts';

const group = { group: 'k8sclaw.io', version: 'v1alpha1' };
const runsInNamespace = Number(process.argv[2] ?? '10000');
const repeats = 5;

const now = () => performance.now();
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
const ms = (value: number) => `${value.toFixed(0)} ms`;

async function inParallel<T>(items: readonly T[], width: number, work: (item: T) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      for (let i = next++; i < items.length; i = next++) await work(items[i] as T);
    }),
  );
}

/** Runs the CLI; resolves with the time until `firstOutput` appeared on stdout and until it exited. */
function timeCli(bin: string, args: string[], env: NodeJS.ProcessEnv, firstOutput: RegExp) {
  return new Promise<{ first: number; exit: number; bytes: number }>((resolve, reject) => {
    const begin = now();
    let first = Number.NaN;
    let output = '';
    const child = spawn(bin, args, {
      env: { ...nodeOnPath(), ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
      if (Number.isNaN(first) && firstOutput.test(output)) first = now() - begin;
    });
    let errors = '';
    child.stderr.on('data', (chunk: Buffer) => (errors += chunk.toString('utf8')));
    child.on('close', (code) =>
      code === 0
        ? resolve({ first, exit: now() - begin, bytes: output.length })
        : reject(new Error(`k8sclaw ${args.join(' ')} exited ${code}: ${errors}`)),
    );
  });
}

/** The bytes of the files under `dir` (their lengths, links not followed) and how many files. */
async function sizeOf(dir: string) {
  let bytes = 0;
  let files = 0;
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    bytes += (await lstat(path.join(entry.parentPath, entry.name))).size;
    files += 1;
  }
  return { bytes, files };
}

const work = await mkdtemp(path.join(os.tmpdir(), 'k8sclaw-bench-cli-'));
try {
  const { bin, root } = await installPackedCli(work);
  const installed = await sizeOf(root);
  // a package with no dependencies gets no node_modules at all
  const modules = await sizeOf(path.join(root, 'node_modules')).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return { bytes: 0, files: 0 };
    throw error;
  });
  const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;
  console.log(
    `installed package: ${mb(installed.bytes)} in ${installed.files} files, of which node_modules ` +
      `${mb(modules.bytes)} in ${modules.files} files`,
  );
  const controlPlane = await startControlPlane();
  try {
    const kube = KubeClient.fromKubeconfigFile(controlPlane.kubeconfigPath);
    await installCrds(kube);
    const namespace = await createTestNamespace(kube, 'bench-cli');
    await kube.customObjects.createNamespacedCustomObject({
      ...group,
      namespace,
      plural: 'clawinstances',
      body: instanceManifest('claw', namespace),
    });
    const names = Array.from({ length: runsInNamespace }, (_, i) => `bench-${String(i).padStart(5, '0')}`);
    await inParallel(names, 20, async (name) => {
      await kube.customObjects.createNamespacedCustomObject({
        ...group,
        namespace,
        plural: 'agentruns',
        body: runManifest(name, namespace, 'claw'),
      });
    });
    // a compile cache of the bench's own, empty until the first command
    const env = {
      KUBECONFIG: controlPlane.kubeconfigPath,
      NO_COLOR: '1',
      NODE_COMPILE_CACHE: path.join(work, 'compile-cache'),
    };
    const firstVersion = (await timeCli(bin, ['version'], env, /./)).exit;

    const bare: number[] = [];
    const version: number[] = [];
    const listFirst: number[] = [];
    const listExit: number[] = [];
    const json: number[] = [];
    for (let i = 0; i < repeats; i += 1) {
      // Node itself starting and exiting: what the machine's load does to any process start
      bare.push((await timeCli(process.execPath, ['-e', ''], env, /./)).exit);
      version.push((await timeCli(bin, ['version'], env, /./)).exit);
      const list = await timeCli(bin, ['runs', 'list', '-n', namespace], env, /bench-\d+/);
      listFirst.push(list.first);
      listExit.push(list.exit);
      json.push((await timeCli(bin, ['runs', 'list', '-n', namespace, '-o', 'json'], env, /"items"/)).exit);
    }
    console.log(`k8sclaw version, first run after the install (compile cache empty): ${ms(firstVersion)}`);
    console.log(`node -e '' (Node's own start, for the machine's load): median ${ms(median(bare))}`);
    console.log(`k8sclaw version (process start-up): median ${ms(median(version))} (${repeats} runs)`);
    console.log(
      `k8sclaw runs list, ${runsInNamespace} runs: first row after ${ms(median(listFirst))}, ` +
        `exit after ${ms(median(listExit))} (medians of ${repeats})`,
    );
    console.log(`k8sclaw runs list -o json, ${runsInNamespace} runs: exit after ${ms(median(json))}`);

    const tuiFirst: number[] = [];
    const tuiRuns: number[] = [];
    for (let i = 0; i < repeats; i += 1) {
      const begin = now();
      const terminal = new CliTerminal(['-n', namespace], env, { columns: 120, rows: 40 }, bin);
      try {
        await terminal.waitFor(/Instances/, 60_000);
        tuiFirst.push(now() - begin);
        terminal.type('2');
        await terminal.waitFor(/bench-\d+/, 60_000);
        tuiRuns.push(now() - begin);
        terminal.type('q');
        await terminal.exited;
      } finally {
        terminal.kill();
      }
    }
    console.log(
      `TUI, ${runsInNamespace} runs: first frame after ${ms(median(tuiFirst))}, ` +
        `Runs view with its rows after ${ms(median(tuiRuns))} (medians of ${repeats}; the terminal is read every 50 ms)`,
    );
  } finally {
    await controlPlane.stop();
  }
} finally {
  await rm(work, { recursive: true, force: true });
}
