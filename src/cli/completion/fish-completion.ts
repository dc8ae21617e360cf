// `k8sclaw completion fish`: the fish script, from the command tree. Fish has its own syntax, so
// the lookup tables are \`switch\` functions here; the walk is the same as for bash and zsh.
import type { CompletionTree } from './command-tree.ts';

const quote = (text: string): string => `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
const words = (list: readonly string[]): string =>
  list.length === 0 ? 'true' : `printf '%s\\n' ${list.map(quote).join(' ')}`;

function switchFunction(name: string, subject: string, arms: [string[], string][]): string {
  const body = arms
    .filter(([keys]) => keys.length > 0)
    .flatMap(([keys, action]) => [`    case ${keys.map(quote).join(' ')}`, `      ${action}`]);
  return [`function ${name}`, `  switch ${subject}`, ...body, '  end', 'end'].join('\n');
}

export function buildFishCompletion(tree: CompletionTree): string {
  const fn = `__${tree.program.replace(/[^A-Za-z0-9_]/g, '_')}`;
  const { nodes } = tree;
  const join = (path: string, name: string) => (path ? `${path}|${name}` : `|${name}`);
  const tables = [
    switchFunction(
      `${fn}_sub`,
      '"$argv[1]"',
      nodes.map((n) => [[n.path], words(n.subcommands.map((s) => s.name))]),
    ),
    switchFunction(
      `${fn}_canonical`,
      '"$argv[1]|$argv[2]"',
      nodes.flatMap((n) =>
        n.subcommands.map((s): [string[], string] => [
          [s.name, ...s.aliases].map((w) => join(n.path, w)),
          words([s.name]),
        ]),
      ),
    ),
    switchFunction(
      `${fn}_flags`,
      '"$argv[1]"',
      nodes.map((n) => [[n.path], words(n.flags)]),
    ),
    switchFunction(
      `${fn}_valued`,
      '"$argv[1]"',
      nodes.map((n) => [[n.path], words(n.valueFlags.flatMap((v) => v.flags))]),
    ),
    switchFunction(
      `${fn}_choices`,
      '"$argv[1]|$argv[2]"',
      nodes.flatMap((n) =>
        n.valueFlags.map((v): [string[], string] => [v.flags.map((f) => `${n.path}|${f}`), words(v.choices)]),
      ),
    ),
    switchFunction(
      `${fn}_args`,
      '"$argv[1]"',
      nodes.map((n) => [[n.path], words(n.argumentChoices)]),
    ),
  ].join('\n\n');
  return `# fish completion for ${tree.program}
# Load it now:  ${tree.program} completion fish | source
# Or for every shell: ${tree.program} completion fish > ~/.config/fish/completions/${tree.program}.fish

${tables}

function ${fn}_complete
  set -l tokens (commandline -opc)
  set -l cur (commandline -ct)
  set -l cmdpath ''
  set -l expect 0
  for word in $tokens[2..-1]
    if test $expect = 1
      set expect 0
      continue
    end
    if string match -q -- '-*' $word
      if contains -- $word (${fn}_valued "$cmdpath")
        set expect 1
      end
      continue
    end
    set -l sub (${fn}_canonical "$cmdpath" $word)
    if test -n "$sub"
      set cmdpath (string trim -- "$cmdpath $sub")
    end
  end
  if test $expect = 1
    ${fn}_choices "$cmdpath" $tokens[-1]
  else if string match -q -- '-*' "$cur"
    ${fn}_flags "$cmdpath"
  else
    ${fn}_sub "$cmdpath"
    ${fn}_args "$cmdpath"
  end
end

complete -c ${tree.program} -f -a '(${fn}_complete)'
`;
}
