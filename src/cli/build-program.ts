// The `k8sclaw` command tree (commander) and its one error policy: a failure is one sentence on
// stderr and exit code 1; a command line that cannot be parsed or used, exit code 2.
import path from 'node:path';
import { Command, CommanderError, Option } from 'commander';
import {
  agentRunKind,
  clawInstanceKind,
  clawPolicyKind,
  clawScheduleKind,
  K8sClawError,
  skillPackKind,
} from '../api/index.ts';
import { toKubeError } from '../kube/index.ts';
import { CliContext, type CliEnvironment, type GlobalOptions } from './cli-context.ts';
import { allNamespacesOption, namespaceOption, type ListOptions } from './command-options.ts';
import { addChatCommand } from './commands/chat.ts';
import { addCompletionCommand } from './commands/completion-commands.ts';
import { addFeatureCommands } from './commands/feature-commands.ts';
import { addKindCommands } from './commands/kind-commands.ts';
import { addMemoryCommands } from './commands/memory-commands.ts';
import { addOnboardCommand } from './commands/onboard.ts';
import { addRunCommands } from './commands/run-commands.ts';
import { addRunLogsCommand } from './commands/run-logs-command.ts';
import { readVersionInfo, renderVersion } from './commands/version.ts';
import { webhookCertificateChoices, type WebhookCertificatesChoice } from './install/webhook-certificates.ts';
import { packageRoot } from './package-root.ts';
import { parseSeconds } from './parse-seconds.ts';
import { instanceRows } from './render/instance-rows.ts';
import { policyRows } from './render/policy-rows.ts';
import { runRows } from './render/run-rows.ts';
import { scheduleRows } from './render/schedule-rows.ts';
import { skillPackRows } from './render/skill-pack-rows.ts';
import { UsageError } from './usage-error.ts';

interface InstallFlags {
  version: string;
  profile?: string;
  databaseUrl?: string;
  databaseSecret?: string;
  webhookCertificates: WebhookCertificatesChoice;
  dryRun?: boolean;
  timeout: string;
}

export function buildProgram(env: CliEnvironment): Command {
  const root = packageRoot();
  const version = readVersionInfo(new URL(`file://${path.join(root, 'package.json')}`));
  const program = new Command()
    .name('k8sclaw')
    .description('K8sClaw: the Kubernetes-native control plane for AI agents')
    .option('--kubeconfig <file>', 'kubeconfig to use (default: $KUBECONFIG, then ~/.kube/config)')
    // settings made before commands are added are inherited by every command
    .exitOverride()
    .configureOutput({
      writeOut: (text) => env.stdout.write(text),
      writeErr: (text) => env.stderr.write(text),
    })
    .showHelpAfterError('(run with --help for usage)');
  const ctx = new CliContext(env, () => program.opts<GlobalOptions>());
  const say = (line: string) => ctx.print(line);

  program
    .command('version')
    .description('print the version')
    .action(() => say(renderVersion(version)));

  program
    .command('install')
    .description('install CRDs, NATS JetStream and K8sClaw components into the current cluster')
    .option('--version <version>', 'release version of the K8sClaw images', version.k8sclaw)
    .option('--profile <name>', 'install profile (local: images built for the local cluster)')
    .option(
      '--database-url <url>',
      'use this external PostgreSQL (postgresql://…) for the session store instead of deploying one',
    )
    .option(
      '--database-secret <name>',
      'use the external PostgreSQL whose URL is in this Secret of k8sclaw-system (key DATABASE_URL)',
    )
    .addOption(
      new Option(
        '--webhook-certificates <keeper>',
        "who keeps the admission webhook's TLS: k8sclaw (the webhook itself), cert-manager (a Certificate and CA injection), or auto (cert-manager when the cluster serves it)",
      )
        .choices(webhookCertificateChoices)
        .default('auto'),
    )
    .option('--dry-run', 'validate everything on the server without changing anything')
    .option('--timeout <seconds>', 'how long to wait for readiness', '300')
    .action(async (options: InstallFlags) => {
      // loaded when used, as the TUI is: every command pays for what the command tree imports
      const { defaultConfigDir, runInstall } = await import('./commands/install.ts');
      await runInstall(
        ctx.kube(),
        {
          configDir: defaultConfigDir(root),
          version: options.version,
          ...(options.profile ? { profile: options.profile } : {}),
          ...(options.databaseUrl !== undefined ? { databaseUrl: options.databaseUrl } : {}),
          ...(options.databaseSecret !== undefined ? { databaseSecret: options.databaseSecret } : {}),
          webhookCertificates: options.webhookCertificates,
          dryRun: options.dryRun ?? false,
          timeoutMs: parseSeconds('--timeout', options.timeout),
        },
        say,
      );
    });

  program
    .command('uninstall')
    .description('remove K8sClaw from the current cluster (its custom resources included)')
    .option('--timeout <seconds>', 'how long to wait for deletions', '300')
    .action(async (options: { timeout: string }) => {
      const { runUninstall } = await import('./commands/uninstall.ts');
      await runUninstall(ctx.kube(), { timeoutMs: parseSeconds('--timeout', options.timeout) }, say);
    });

  addKindCommands(program, ctx, {
    noun: 'instances',
    aliases: ['instance', 'ci'],
    kind: clawInstanceKind,
    rows: instanceRows,
    description: 'ClawInstances: tenant gateways',
  });
  const runs = addKindCommands(program, ctx, {
    noun: 'runs',
    aliases: ['run', 'ar'],
    kind: agentRunKind,
    rows: runRows,
    description: 'AgentRuns: agent executions',
  });
  addRunCommands(runs, ctx);
  addRunLogsCommand(runs, ctx);
  addKindCommands(program, ctx, {
    noun: 'schedules',
    aliases: ['schedule', 'sched', 'cs'],
    kind: clawScheduleKind,
    rows: scheduleRows,
    description: 'ClawSchedules: recurring runs',
  });
  addKindCommands(program, ctx, {
    noun: 'policies',
    aliases: ['policy', 'cp'],
    kind: clawPolicyKind,
    rows: policyRows,
    description: 'ClawPolicies: what agents may do',
  });
  addKindCommands(program, ctx, {
    noun: 'skills',
    aliases: ['skillpacks', 'sp'],
    kind: skillPackKind,
    rows: skillPackRows,
    description: 'SkillPacks: portable skills',
  });
  addMemoryCommands(program, ctx);
  addFeatureCommands(program, ctx);
  addOnboardCommand(program, ctx, { packageRoot: root, version: version.k8sclaw });
  addChatCommand(program, ctx);
  addCompletionCommand(program, ctx);
  // no command: the TUI, as the default command, so that its -n and -A are its own and do not
  // shadow the options of the same name of the other commands
  const tui = program
    .command('tui', { isDefault: true })
    .description('the terminal UI (also: k8sclaw with no command)')
    .addOption(namespaceOption())
    .addOption(allNamespacesOption())
    .allowExcessArguments(true)
    .action(async (options: ListOptions) => {
      const [word] = tui.args;
      if (word !== undefined)
        program.error(`error: unknown command '${word}'`, { code: 'commander.unknownCommand' });
      const { runTui } = await import('./tui/run-tui.ts');
      await runTui(ctx, {
        ...(options.namespace ? { namespace: options.namespace } : {}),
        allNamespaces: options.allNamespaces ?? false,
      });
    });
  return program;
}

/** Runs the CLI on `argv` (as process.argv) and returns the exit code. */
export async function runK8sclaw(argv: string[], env: CliEnvironment, debug = false): Promise<number> {
  const program = buildProgram(env);
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // commander has printed its message (or the help) already
      return error.exitCode === 0 ? 0 : 2;
    }
    // one sentence for the user; the stack only when asked for
    const normalised = toKubeError(error);
    env.stderr.write(`Error: ${normalised instanceof Error ? normalised.message : String(normalised)}\n`);
    if (debug && !(normalised instanceof K8sClawError))
      env.stderr.write(`${String((error as Error).stack)}\n`);
    return normalised instanceof UsageError ? 2 : 1;
  }
}
