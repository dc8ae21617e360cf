// The completion scripts, generated from the real program, run in the real shells: each case types
// a command line and checks what the shell offers at the cursor. A shell that is not installed
// skips its cases (every script is still generated and checked for the program's commands).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { after, describe, it } from 'node:test';
import { buildProgram } from '../build-program.ts';
import { buildBashCompletion } from './bash-completion.ts';
import { describeCommandTree } from './command-tree.ts';
import { buildFishCompletion } from './fish-completion.ts';
import { buildZshCompletion } from './zsh-completion.ts';

const program = buildProgram({
  stdout: new PassThrough(),
  stderr: new PassThrough(),
  stdin: new PassThrough(),
  now: () => new Date(0),
});
const tree = describeCommandTree(program);
const dir = mkdtempSync(path.join(os.tmpdir(), 'k8sclaw-completion-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const hasShell = (shell: string): boolean => {
  try {
    execFileSync(shell, ['-c', 'true'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};

/** A command line up to the cursor, and (some of) what must and must not be offered there. */
const cases: { line: string; offers: string[]; not?: string[] }[] = [
  {
    line: 'k8sclaw ',
    offers: ['instances', 'runs', 'schedules', 'policies', 'skills', 'memory', 'features', 'completion'],
  },
  { line: 'k8sclaw runs l', offers: ['list', 'logs'], not: ['get', 'create'] },
  { line: 'k8sclaw ar l', offers: ['list', 'logs'] },
  { line: 'k8sclaw runs list -o ', offers: ['table', 'wide', 'json', 'yaml'] },
  {
    line: 'k8sclaw runs list --',
    offers: ['--namespace', '--all-namespaces', '--output', '--kubeconfig', '--help'],
  },
  { line: 'k8sclaw --kubeconfig some/file runs ', offers: ['list', 'get', 'create', 'delete', 'logs'] },
  { line: 'k8sclaw runs logs my-run -c ', offers: ['agent', 'ipc-bridge', 'sandbox'] },
  {
    line: 'k8sclaw features enable ',
    offers: ['code-execution', 'browser-automation', 'channel-send'],
    not: ['list'],
  },
  { line: 'k8sclaw completion ', offers: ['bash', 'zsh', 'fish'] },
];

function check(offered: string[], c: (typeof cases)[number]): void {
  for (const word of c.offers)
    assert.ok(offered.includes(word), `"${c.line}" offers ${word}: got ${offered.join(' ')}`);
  for (const word of c.not ?? []) assert.ok(!offered.includes(word), `"${c.line}" does not offer ${word}`);
}

/** The words of a command line as a shell array literal, the last one possibly empty. */
function shellWords(line: string): string {
  return line
    .split(' ')
    .map((w) => `'${w}'`)
    .join(' ');
}

describe('the command tree', () => {
  it('holds every command path with its flags and choices', () => {
    const node = (p: string) => tree.nodes.find((n) => n.path === p);
    assert.ok(node('runs logs'));
    assert.deepEqual(node('runs list')?.valueFlags.find((v) => v.flags.includes('-o'))?.choices, [
      'table',
      'wide',
      'json',
      'yaml',
    ]);
    assert.ok(node('features enable')?.argumentChoices.includes('sub-agents'));
    assert.deepEqual(node('')?.subcommands.find((s) => s.name === 'runs')?.aliases, ['run', 'ar']);
  });
});

describe('bash completion', { skip: !hasShell('bash') }, () => {
  const script = path.join(dir, 'k8sclaw.bash');
  writeFileSync(script, buildBashCompletion(tree));
  for (const c of cases) {
    it(c.line, () => {
      const words = c.line.split(' ');
      const output = execFileSync(
        'bash',
        [
          '-c',
          `source "$1"; COMP_WORDS=(${shellWords(c.line)}); COMP_CWORD=${words.length - 1}; _k8sclaw; printf '%s\\n' "\${COMPREPLY[@]}"`,
          'bash',
          script,
        ],
        { encoding: 'utf8' },
      );
      check(output.split('\n'), c);
    });
  }
});

describe('zsh completion', { skip: !hasShell('zsh') }, () => {
  const script = path.join(dir, '_k8sclaw');
  writeFileSync(script, buildZshCompletion(tree));
  for (const c of cases) {
    it(c.line, () => {
      const words = c.line.split(' ');
      // outside a completion widget compadd and compdef do not exist: print what would be added,
      // then keep what matches the word at the cursor, as compadd does
      const output = execFileSync(
        'zsh',
        [
          '-fc',
          `compadd() { shift; printf '%s\\n' "$@"; }; compdef() { :; }; source "$1"; words=(${shellWords(c.line)}); CURRENT=${words.length}; _k8sclaw`,
          'zsh',
          script,
        ],
        { encoding: 'utf8' },
      );
      check(
        output.split('\n').filter((w) => w.startsWith(words.at(-1)!)),
        c,
      );
    });
  }
});

describe('fish completion', { skip: !hasShell('fish') }, () => {
  const script = path.join(dir, 'k8sclaw.fish');
  writeFileSync(script, buildFishCompletion(tree));
  for (const c of cases) {
    it(c.line, () => {
      // fish completes a command line itself: `complete -C` prints what it would offer
      const output = execFileSync(
        'fish',
        ['--no-config', '-c', 'source $argv[1]; complete -C $argv[2]', script, c.line],
        {
          encoding: 'utf8',
        },
      );
      check(
        output.split('\n').map((l) => l.split('\t')[0]!),
        c,
      );
    });
  }
});
