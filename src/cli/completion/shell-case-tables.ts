// The lookup functions the bash and zsh scripts share (both read the same POSIX `case` syntax):
// subcommands, canonical names of subcommands and aliases, flags, flags taking a value, their
// choices and argument choices, each keyed by the command path. Each prints one word a line.
import type { CompletionTree } from './command-tree.ts';

const quote = (text: string): string => `'${text.replace(/'/g, `'\\''`)}'`;
const words = (list: readonly string[]): string =>
  list.length === 0 ? 'true' : `printf '%s\\n' ${list.map(quote).join(' ')}`;

function caseFunction(name: string, subject: string, arms: [string[], string][]): string {
  const body = arms
    .filter(([keys]) => keys.length > 0)
    .map(([keys, action]) => `    ${keys.map(quote).join('|')}) ${action} ;;`);
  return [`${name}() {`, `  case ${subject} in`, ...body, '  esac', '}'].join('\n');
}

export function buildShellCaseTables(tree: CompletionTree, prefix: string): string {
  const { nodes } = tree;
  const join = (path: string, name: string) => (path ? `${path}|${name}` : `|${name}`);
  return [
    caseFunction(
      `${prefix}_sub`,
      '"$1"',
      nodes.map((n) => [[n.path], words(n.subcommands.map((s) => s.name))]),
    ),
    caseFunction(
      `${prefix}_canonical`,
      '"$1|$2"',
      nodes.flatMap((n) =>
        n.subcommands.map((s): [string[], string] => [
          [s.name, ...s.aliases].map((w) => join(n.path, w)),
          words([s.name]),
        ]),
      ),
    ),
    caseFunction(
      `${prefix}_flags`,
      '"$1"',
      nodes.map((n) => [[n.path], words(n.flags)]),
    ),
    caseFunction(
      `${prefix}_valued`,
      '"$1"',
      nodes.map((n) => [[n.path], words(n.valueFlags.flatMap((v) => v.flags))]),
    ),
    caseFunction(
      `${prefix}_choices`,
      '"$1|$2"',
      nodes.flatMap((n) =>
        n.valueFlags.map((v): [string[], string] => [v.flags.map((f) => `${n.path}|${f}`), words(v.choices)]),
      ),
    ),
    caseFunction(
      `${prefix}_args`,
      '"$1"',
      nodes.map((n) => [[n.path], words(n.argumentChoices)]),
    ),
  ].join('\n\n');
}
