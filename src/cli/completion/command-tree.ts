// What shell completion needs to know of a commander program, read from the program itself (so
// every command, alias, option and choice added later completes without further work): for each
// command path, its subcommands, flags, flags that take a value (with their choices) and the
// choices of its arguments. The root's options apply everywhere, as commander accepts them there.
import type { Command, Option } from 'commander';

export interface ValueFlag {
  flags: string[];
  choices: string[];
}

export interface CompletionNode {
  /** Canonical command names from the root, joined by spaces ('' is the root). */
  path: string;
  subcommands: { name: string; aliases: string[] }[];
  flags: string[];
  valueFlags: ValueFlag[];
  argumentChoices: string[];
}

export interface CompletionTree {
  program: string;
  nodes: CompletionNode[];
}

const flagsOf = (option: Option): string[] => [option.short, option.long].filter((f): f is string => !!f);

export function describeCommandTree(program: Command): CompletionTree {
  const globalOptions = program.options.filter((o) => !o.hidden);
  const nodes: CompletionNode[] = [];
  const visit = (command: Command, path: string, isRoot: boolean) => {
    const visible = command.commands.filter((c) => !(c as unknown as { _hidden?: boolean })._hidden);
    const options = [...command.options.filter((o) => !o.hidden), ...(isRoot ? [] : globalOptions)];
    const subcommands = visible.map((c) => ({ name: c.name(), aliases: c.aliases() }));
    // commander adds a `help` command to every command that has subcommands
    if (visible.length > 0) subcommands.push({ name: 'help', aliases: [] });
    nodes.push({
      path,
      subcommands,
      flags: [...options.flatMap(flagsOf), '-h', '--help'],
      valueFlags: options
        .filter((o) => o.required || o.optional)
        .map((o) => ({ flags: flagsOf(o), choices: [...(o.argChoices ?? [])] })),
      argumentChoices: command.registeredArguments.flatMap((a) => a.argChoices ?? []),
    });
    for (const sub of visible) visit(sub, path ? `${path} ${sub.name()}` : sub.name(), false);
  };
  visit(program, '', true);
  return { program: program.name(), nodes };
}
