// `k8sclaw completion bash`: the bash script, from the command tree. It walks the words before the
// cursor to find the command path (skipping flags and their values), then offers that path's
// subcommands, flags or a flag's choices.
import type { CompletionTree } from './command-tree.ts';
import { buildShellCaseTables } from './shell-case-tables.ts';

export function buildBashCompletion(tree: CompletionTree): string {
  const fn = `_${tree.program.replace(/[^A-Za-z0-9_]/g, '_')}`;
  return `# bash completion for ${tree.program}
# Load it now:  source <(${tree.program} completion bash)
# Or for every shell: ${tree.program} completion bash > /etc/bash_completion.d/${tree.program}

${buildShellCaseTables(tree, fn)}

${fn}() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" prev="\${COMP_WORDS[COMP_CWORD-1]}"
  local cmdpath="" word expect="" sub i
  for ((i = 1; i < COMP_CWORD; i++)); do
    word="\${COMP_WORDS[i]}"
    if [[ -n $expect ]]; then expect=""; continue; fi
    if [[ $word == -* ]]; then
      [[ $'\\n'"$(${fn}_valued "$cmdpath")"$'\\n' == *$'\\n'"$word"$'\\n'* ]] && expect=1
      continue
    fi
    sub="$(${fn}_canonical "$cmdpath" "$word")"
    [[ -n $sub ]] && cmdpath="\${cmdpath:+$cmdpath }$sub"
  done
  if [[ -n $expect ]]; then
    COMPREPLY=($(compgen -W "$(${fn}_choices "$cmdpath" "$prev")" -- "$cur"))
  elif [[ $cur == -* ]]; then
    COMPREPLY=($(compgen -W "$(${fn}_flags "$cmdpath")" -- "$cur"))
  else
    COMPREPLY=($(compgen -W "$(${fn}_sub "$cmdpath") $(${fn}_args "$cmdpath")" -- "$cur"))
  fi
}
complete -F ${fn} ${tree.program}
`;
}
