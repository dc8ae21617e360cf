#!/usr/bin/env node
// Entry point of the `k8sclaw` CLI: parses the command line, builds the Kubernetes client from
// KUBECONFIG / --kubeconfig, and dispatches. Nothing else.
import path from 'node:path';
import { Command } from 'commander';
import { K8sClawError } from '../api/index.ts';
import {
  CliError,
  defaultConfigDir,
  packageRoot,
  readVersionInfo,
  renderVersion,
  runInstall,
  runUninstall,
} from '../cli/index.ts';
import { KubeClient, toKubeError } from '../kube/index.ts';

const root = packageRoot();
const version = readVersionInfo(new URL(`file://${path.join(root, 'package.json')}`));
const say = (line: string) => console.log(line);

function kubeClient(program: Command): KubeClient {
  const option = program.opts<{ kubeconfig?: string }>().kubeconfig;
  return KubeClient.load(option ?? process.env.KUBECONFIG);
}

function parseTimeout(value: string): number {
  const seconds = Number(value);
  if (!Number.isFinite(seconds) || seconds <= 0)
    throw new CliError('InvalidFlag', `--timeout must be a positive number of seconds, not "${value}"`);
  return seconds * 1000;
}

const program = new Command()
  .name('k8sclaw')
  .description('K8sClaw: the Kubernetes-native control plane for AI agents')
  .option('--kubeconfig <file>', 'kubeconfig to use (default: $KUBECONFIG, then ~/.kube/config)')
  .showHelpAfterError();

program
  .command('version')
  .description('print the version')
  .action(() => say(renderVersion(version)));

program
  .command('install')
  .description('install CRDs, NATS JetStream and K8sClaw components into the current cluster')
  .option('--version <version>', 'release version of the K8sClaw images', version.k8sclaw)
  .option('--profile <name>', 'install profile (local: images built for the local cluster)')
  .option('--dry-run', 'validate everything on the server without changing anything')
  .option('--timeout <seconds>', 'how long to wait for readiness', '300')
  .action(async (options: { version: string; profile?: string; dryRun?: boolean; timeout: string }) => {
    await runInstall(
      kubeClient(program),
      {
        configDir: defaultConfigDir(root),
        version: options.version,
        ...(options.profile ? { profile: options.profile } : {}),
        dryRun: options.dryRun ?? false,
        timeoutMs: parseTimeout(options.timeout),
      },
      say,
    );
  });

program
  .command('uninstall')
  .description('remove K8sClaw from the current cluster (its custom resources included)')
  .option('--timeout <seconds>', 'how long to wait for deletions', '300')
  .action(async (options: { timeout: string }) => {
    await runUninstall(kubeClient(program), { timeoutMs: parseTimeout(options.timeout) }, say);
  });

try {
  await program.parseAsync(process.argv);
} catch (error) {
  // one sentence for the user; the stack only when asked for
  const normalised = toKubeError(error);
  console.error(`Error: ${normalised instanceof Error ? normalised.message : String(normalised)}`);
  if (process.env.K8SCLAW_DEBUG && !(normalised instanceof K8sClawError)) console.error(error);
  process.exitCode = 1;
}
