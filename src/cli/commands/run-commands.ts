// `k8sclaw runs create|delete`: the run-specific writes beside list/get. `create --wait` follows
// the run to its end with progress and prints its result.
import { cancel, isCancel, text } from '@clack/prompts';
import { setTimeout as sleep } from 'node:timers/promises';
import { Option, type Command } from 'commander';
import { agentRunKind, apiVersion, type AgentRun } from '../../api/index.ts';
import { CliError } from '../cli-error.ts';
import type { CliContext } from '../cli-context.ts';
import { namespaceOption, type NamespaceOptions } from '../command-options.ts';
import { startProgress } from '../progress.ts';
import { renderObjects } from '../render/render-objects.ts';
import { runRows } from '../render/run-rows.ts';
import { UsageError } from '../usage-error.ts';
import { parseSeconds } from '../parse-seconds.ts';

interface CreateOptions extends NamespaceOptions {
  instance?: string;
  task?: string;
  name?: string;
  wait?: boolean;
  timeout: string;
  output: 'name' | 'json' | 'yaml';
}

const finished = (run: AgentRun) => run.status?.phase === 'Succeeded' || run.status?.phase === 'Failed';

function describeState(run: AgentRun): string {
  const phase = run.status?.phase ?? 'Pending';
  return run.status?.podName
    ? `agentrun/${run.metadata.name}: ${phase} (pod ${run.status.podName})`
    : `agentrun/${run.metadata.name}: ${phase}`;
}

/** Asks for a value a person left out; without a terminal the flag is simply required. */
async function askFor(
  ctx: CliContext,
  value: string | undefined,
  flag: string,
  question: string,
): Promise<string> {
  if (value) return value;
  if (!ctx.interactive) throw new UsageError(`runs create needs ${flag} (or a terminal to ask for it)`);
  const answer = await text({
    message: question,
    input: ctx.env.stdin,
    output: ctx.env.stdout,
    validate: (v) => (v ? undefined : 'required'),
  });
  if (isCancel(answer)) {
    cancel('cancelled', { output: ctx.env.stdout });
    throw new CliError('Cancelled', 'cancelled, nothing was created');
  }
  return answer;
}

async function waitForRun(ctx: CliContext, created: AgentRun, timeoutMs: number): Promise<AgentRun> {
  const { name, namespace } = created.metadata;
  const deadline = Date.now() + timeoutMs;
  let run = created;
  const progress = startProgress(ctx.env.stderr, describeState(run));
  while (!finished(run)) {
    if (Date.now() > deadline) {
      progress.stop(describeState(run), true);
      throw new CliError(
        'WaitTimeout',
        `agentrun "${name}" is still ${run.status?.phase ?? 'Pending'} after ${Math.round(timeoutMs / 1000)}s`,
      );
    }
    await sleep(1_000);
    run = await ctx.resources().get<AgentRun>(agentRunKind, name, namespace);
    progress.update(describeState(run));
  }
  progress.stop(describeState(run), run.status?.phase === 'Failed');
  return run;
}

export function addRunCommands(runs: Command, ctx: CliContext): void {
  runs
    .command('create')
    .description('create an agent run: a task for an instance (asks for what is missing on a terminal)')
    .option('--instance <instance>', 'the ClawInstance that runs the task')
    .option('--task <task>', 'what the agent is asked to do')
    .option('--name <name>', 'name of the run (default: <instance>- and a random suffix)')
    .option('--wait', 'wait until the run ends, show its progress and print its result')
    .option('--timeout <seconds>', 'how long --wait waits', '900')
    .addOption(namespaceOption())
    .addOption(
      new Option('-o, --output <format>', 'output format').choices(['name', 'json', 'yaml']).default('name'),
    )
    .action(async (options: CreateOptions) => {
      const timeoutMs = parseSeconds('--timeout', options.timeout);
      // the kubeconfig first: no questions when there is no cluster to ask them for
      const namespace = ctx.namespace(options.namespace);
      const instance = await askFor(ctx, options.instance, '--instance', 'Which instance should run it?');
      const task = await askFor(ctx, options.task, '--task', 'What should the agent do?');
      const manifest: AgentRun = {
        apiVersion,
        kind: 'AgentRun',
        metadata: {
          namespace,
          ...(options.name ? { name: options.name } : { name: '', generateName: `${instance}-` }),
        },
        spec: { instanceRef: instance, task },
      };
      let run = await ctx.resources().create<AgentRun>(agentRunKind, manifest);
      if (options.output === 'name') ctx.print(`agentrun/${run.metadata.name} created`);
      if (options.wait) run = await waitForRun(ctx, run, timeoutMs);
      if (options.output !== 'name')
        ctx.print(
          renderObjects(runRows, [run], { format: options.output, now: ctx.env.now(), single: true }),
        );
      else if (options.wait && run.status?.result) ctx.print(run.status.result);
      if (options.wait && run.status?.phase === 'Failed')
        throw new CliError(
          'RunFailed',
          `agentrun "${run.metadata.name}" failed: ${run.status.error ?? 'no reason given'}`,
        );
    });

  runs
    .command('delete')
    .alias('rm')
    .description('delete agent runs (their Job and pod go with them)')
    .argument('<names...>', 'names of the runs')
    .addOption(namespaceOption())
    .action(async (names: string[], options: NamespaceOptions) => {
      const namespace = ctx.namespace(options.namespace);
      for (const name of names) {
        await ctx.resources().delete(agentRunKind, name, namespace);
        ctx.print(`agentrun "${name}" deleted`);
      }
    });
}
