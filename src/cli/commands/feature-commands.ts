// `k8sclaw features list|enable|disable`: a ClawPolicy's feature gates. Changes go through
// server-side apply as the CLI's field manager, sending every gate the policy has (so the CLI never
// drops a gate it set before) and the resourceVersion read (so a concurrent change is not lost).
import { Argument, Option, type Command } from 'commander';
import {
  apiVersion,
  clawPolicyKind,
  featureGateNames,
  type ClawPolicy,
  type FeatureGate,
} from '../../api/index.ts';
import { isConflict } from '../../kube/index.ts';
import type { CliContext } from '../cli-context.ts';
import { namespaceOption, type NamespaceOptions } from '../command-options.ts';
import { buildFeatureGateRows, featureGateCells, featureGateHeaders } from '../render/feature-rows.ts';
import { formatTable } from '../render/format-table.ts';
import { UsageError } from '../usage-error.ts';
import { stringify } from 'yaml';

interface FeatureOptions extends NamespaceOptions {
  policy?: string;
}

const isGate = (name: string): name is FeatureGate => (featureGateNames as readonly string[]).includes(name);

function gateArgument(): Argument {
  const argument = new Argument('<gate>', 'feature gate');
  // listed in help and completion; checked in the action, for a one-sentence error
  argument.argChoices = [...featureGateNames];
  return argument;
}

async function setGate(
  ctx: CliContext,
  gate: string,
  enabled: boolean,
  options: FeatureOptions,
): Promise<void> {
  if (!isGate(gate))
    throw new UsageError(
      `unknown feature gate "${gate}": the known gates are ${featureGateNames.join(', ')}`,
    );
  if (!options.policy) throw new UsageError('--policy is required: the ClawPolicy whose gate changes');
  const namespace = ctx.namespace(options.namespace);
  const resources = ctx.resources();
  for (let attempt = 1; ; attempt++) {
    const policy = await resources.get<ClawPolicy>(clawPolicyKind, options.policy, namespace);
    try {
      await resources.apply<ClawPolicy>(clawPolicyKind, {
        apiVersion,
        kind: 'ClawPolicy',
        metadata: { name: options.policy, namespace, resourceVersion: policy.metadata.resourceVersion ?? '' },
        spec: { featureGates: { ...(policy.spec.featureGates ?? {}), [gate]: enabled } },
      });
      break;
    } catch (error) {
      if (!isConflict(error) || attempt >= 3) throw error;
    }
  }
  ctx.print(`clawpolicy "${options.policy}": feature gate "${gate}" ${enabled ? 'enabled' : 'disabled'}`);
}

export function addFeatureCommands(program: Command, ctx: CliContext): void {
  const features = program.command('features').description("a ClawPolicy's feature gates");

  features
    .command('list')
    .alias('ls')
    .description('list the feature gates, as a policy sets them (or their defaults)')
    .option('--policy <policy>', 'the ClawPolicy (default: show the built-in defaults)')
    .addOption(namespaceOption())
    .addOption(
      new Option('-o, --output <format>', 'output format')
        .choices(['table', 'json', 'yaml'])
        .default('table'),
    )
    .action(async (options: FeatureOptions & { output: string }) => {
      const policy = options.policy
        ? await ctx
            .resources()
            .get<ClawPolicy>(clawPolicyKind, options.policy, ctx.namespace(options.namespace))
        : undefined;
      const rows = buildFeatureGateRows(policy);
      if (options.output === 'json') ctx.print(JSON.stringify(rows, null, 2));
      else if (options.output === 'yaml') ctx.print(stringify(rows));
      else ctx.print(formatTable(featureGateHeaders, rows.map(featureGateCells)));
    });

  for (const [verb, enabled] of [
    ['enable', true],
    ['disable', false],
  ] as const) {
    features
      .command(verb)
      .description(`${verb} a feature gate in a ClawPolicy (server-side apply)`)
      .addArgument(gateArgument())
      .requiredOption('--policy <policy>', 'the ClawPolicy to change')
      .addOption(namespaceOption())
      .action(async (gate: string, options: FeatureOptions) => await setGate(ctx, gate, enabled, options));
  }
}
