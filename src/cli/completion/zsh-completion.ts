// `k8sclaw completion zsh`: the zsh script, from the command tree; the same walk as for bash over
// zsh's \`words\`, offering candidates with compadd. Works from fpath (#compdef) or sourced.
import type { CompletionTree } from './command-tree.ts';
import { buildShellCaseTables } from './shell-case-tables.ts';

export function buildZshCompletion(tree: CompletionTree): string {
  const fn = `_${tree.program.replace(/[^A-Za-z0-9_]/g, '_')}`;
  return `#compdef ${tree.program}
# zsh completion for ${tree.program}
# Load it now:  source <(${tree.program} completion zsh)
# Or for every shell: ${tree.program} completion zsh > "\${fpath[1]}/_${tree.program}"

${buildShellCaseTables(tree, fn)}

${fn}() {
  local cur="\${words[CURRENT]}" prev="\${words[CURRENT-1]}"
  local cmdpath="" word expect="" sub i
  for ((i = 2; i < CURRENT; i++)); do
    word="\${words[i]}"
    if [[ -n $expect ]]; then expect=""; continue; fi
    if [[ $word == -* ]]; then
      (( \${\${(f)"$(${fn}_valued "$cmdpath")"}[(Ie)$word]} )) && expect=1
      continue
    fi
    sub="$(${fn}_canonical "$cmdpath" "$word")"
    [[ -n $sub ]] && cmdpath="\${cmdpath:+$cmdpath }$sub"
  done
  if [[ -n $expect ]]; then
    compadd -- \${(f)"$(${fn}_choices "$cmdpath" "$prev")"}
  elif [[ $cur == -* ]]; then
    compadd -- \${(f)"$(${fn}_flags "$cmdpath")"}
  else
    compadd -- \${(f)"$(${fn}_sub "$cmdpath")"} \${(f)"$(${fn}_args "$cmdpath")"}
  fi
}

if [[ "\${funcstack[1]}" == "${fn}" ]]; then
  ${fn} "$@"
else
  compdef ${fn} ${tree.program}
fi
`;
}
