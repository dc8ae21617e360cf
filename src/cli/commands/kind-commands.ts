// `k8sclaw <noun> list|get` for each kind: one definition, the kind's row renderer and the
// shared options; table output goes through the pure renderers, json/yaml parse back to objects.
import type { Command } from 'commander';
import type { KindDescriptor } from '../../api/index.ts';
import type { CliContext } from '../cli-context.ts';
import {
  allNamespacesOption,
  chunkSizeOption,
  namespaceOption,
  outputOption,
  type ChunkedListOptions,
  type ListOptions,
} from '../command-options.ts';
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
    .addOption(chunkSizeOption())
    .action(async (options: ChunkedListOptions) => {
      const namespace = options.allNamespaces ? undefined : ctx.namespace(options.namespace);
      const table = options.output === 'table' || options.output === 'wide';
      // JSON and YAML are one List document, so they wait for every page
      const pages = ctx.resources().listPages<T>(kind, namespace, table ? options.chunkSize : 0);
      let printed = 0;
      for await (const objects of pages) {
        if (objects.length === 0) continue;
        ctx.print(
          renderObjects(rows, objects, {
            format: options.output,
            now: ctx.env.now(),
            allNamespaces: namespace === undefined,
            withHeaders: printed === 0,
          }),
        );
        printed += objects.length;
      }
      if (printed > 0) return;
      if (table)
        ctx.note(
          namespace === undefined
            ? `No ${kind.plural} found.`
            : `No ${kind.plural} found in namespace "${namespace}".`,
        );
      else ctx.print(renderObjects(rows, [], { format: options.output, now: ctx.env.now() }));
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
