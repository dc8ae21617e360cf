// `k8sclaw <noun> list|get` for each kind: one definition, the kind's row renderer and the
// shared options; table output goes through the pure renderers, json/yaml parse back to objects.
import type { Command } from 'commander';
import type { KindDescriptor } from '../../api/index.ts';
import type { CliContext } from '../cli-context.ts';
import { allNamespacesOption, namespaceOption, outputOption, type ListOptions } from '../command-options.ts';
import { renderObjects } from '../render/render-objects.ts';
import type { RowRenderer } from '../render/row-renderer.ts';

export interface KindCommands<T> {
  /** The command's noun, plural (`runs`). */
  noun: string;
  aliases?: string[];
  kind: KindDescriptor;
  rows: RowRenderer<T>;
  /** What the noun stands for, in help. */
  description: string;
}

interface Named {
  metadata: { name: string; namespace: string };
}

export function addKindCommands<T extends Named>(
  program: Command,
  ctx: CliContext,
  spec: KindCommands<T>,
): Command {
  const { kind, rows } = spec;
  const noun = program
    .command(spec.noun)
    .description(spec.description)
    .aliases(spec.aliases ?? []);

  noun
    .command('list')
    .alias('ls')
    .description(`list ${kind.plural}`)
    .addOption(namespaceOption())
    .addOption(allNamespacesOption())
    .addOption(outputOption())
    .action(async (options: ListOptions) => {
      const namespace = options.allNamespaces ? undefined : ctx.namespace(options.namespace);
      const objects = await ctx.resources().list<T>(kind, namespace);
      if (objects.length === 0 && (options.output === 'table' || options.output === 'wide')) {
        ctx.note(
          namespace === undefined
            ? `No ${kind.plural} found.`
            : `No ${kind.plural} found in namespace "${namespace}".`,
        );
        return;
      }
      ctx.print(
        renderObjects(rows, objects, {
          format: options.output,
          now: ctx.env.now(),
          allNamespaces: namespace === undefined,
        }),
      );
    });

  noun
    .command('get')
    .description(`show one ${kind.singular}`)
    .argument('<name>', `name of the ${kind.singular}`)
    .addOption(namespaceOption())
    .addOption(outputOption())
    .action(async (name: string, options: ListOptions) => {
      const object = await ctx.resources().get<T>(kind, name, ctx.namespace(options.namespace));
      ctx.print(renderObjects(rows, [object], { format: options.output, now: ctx.env.now(), single: true }));
    });

  return noun;
}
