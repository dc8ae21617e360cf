// `k8sclaw memory show <instance>`: the instance's MEMORY.md as the controller keeps it, in the
// `<instance>-memory` ConfigMap.
import type { Command } from 'commander';
import { clawInstanceKind, type ClawInstance } from '../../api/index.ts';
import { undefinedIfNotFound } from '../../kube/index.ts';
import { memoryConfigMapName, memoryFileKey } from '../../orchestrator/index.ts';
import { CliError } from '../cli-error.ts';
import type { CliContext } from '../cli-context.ts';
import { namespaceOption, type NamespaceOptions } from '../command-options.ts';
import { explainKubeFailure } from '../kube-failure.ts';

export function addMemoryCommands(program: Command, ctx: CliContext): void {
  const memory = program.command('memory').description("an instance's persistent memory");

  memory
    .command('show')
    .description("print an instance's memory (MEMORY.md)")
    .argument('<instance>', 'name of the ClawInstance')
    .addOption(namespaceOption())
    .action(async (name: string, options: NamespaceOptions) => {
      const namespace = ctx.namespace(options.namespace);
      ctx.print(await readInstanceMemory(ctx, name, namespace));
    });
}

/** An instance's MEMORY.md, or a CliError saying why there is none. */
export async function readInstanceMemory(ctx: CliContext, name: string, namespace: string): Promise<string> {
  const instance = await ctx.resources().get<ClawInstance>(clawInstanceKind, name, namespace);
  if (instance.spec.memory?.enabled === false)
    throw new CliError('MemoryDisabled', `clawinstance "${name}" has memory disabled`);
  const configMapName = instance.status?.memoryConfigMap ?? memoryConfigMapName(name);
  const kube = ctx.kube();
  const configMap = await undefinedIfNotFound(
    kube.core.readNamespacedConfigMap({ name: configMapName, namespace }),
  ).catch((error: unknown) => {
    throw explainKubeFailure(error, {
      verb: 'get',
      kind: { singular: 'configmap', plural: 'configmaps' },
      name: configMapName,
      namespace,
      server: kube.server,
    });
  });
  const content = configMap?.data?.[memoryFileKey];
  if (content === undefined)
    throw new CliError(
      'NoMemory',
      `clawinstance "${name}" has no memory yet (ConfigMap "${configMapName}" not found)`,
    );
  return content;
}
