// `k8sclaw completion bash|zsh|fish`: prints the completion script, derived from the program's own
// command tree.
import { Argument, type Command } from 'commander';
import type { CliContext } from '../cli-context.ts';
import { buildBashCompletion } from '../completion/bash-completion.ts';
import { describeCommandTree } from '../completion/command-tree.ts';
import { buildFishCompletion } from '../completion/fish-completion.ts';
import { buildZshCompletion } from '../completion/zsh-completion.ts';

const builders = { bash: buildBashCompletion, zsh: buildZshCompletion, fish: buildFishCompletion } as const;

export function addCompletionCommand(program: Command, ctx: CliContext): void {
  program
    .command('completion')
    .description('print the shell completion script (bash, zsh or fish)')
    .addArgument(new Argument('<shell>', 'the shell').choices(Object.keys(builders)))
    .action((shell: keyof typeof builders) => {
      ctx.env.stdout.write(builders[shell](describeCommandTree(program)));
    });
}
