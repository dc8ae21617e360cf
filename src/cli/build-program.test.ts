// The program's contract without a cluster: help on every command, exit code 2 for a command line
// it cannot use (before any kubeconfig is read), and the exact sentence it prints.
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import { buildProgram, runK8sclaw } from './build-program.ts';
import { describeCommandTree } from './completion/command-tree.ts';

function capture(stream: PassThrough): () => string {
  const chunks: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk));
  return () => Buffer.concat(chunks).toString('utf8');
}

async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out = capture(stdout);
  const err = capture(stderr);
  // a kubeconfig that cannot load: nothing here may need one
  const code = await runK8sclaw(['node', 'k8sclaw', ...args], {
    stdout,
    stderr,
    stdin: new PassThrough(),
    kubeconfig: '/nonexistent/kubeconfig',
    now: () => new Date(0),
  });
  return { code, stdout: out(), stderr: err() };
}

const paths = describeCommandTree(
  buildProgram({
    stdout: new PassThrough(),
    stderr: new PassThrough(),
    stdin: new PassThrough(),
    now: () => new Date(0),
  }),
).nodes.map((n) => n.path);

describe('k8sclaw --help', () => {
  it('the tree has the operator commands', () => {
    for (const path of [
      'instances get',
      'runs logs',
      'runs create',
      'schedules list',
      'policies list',
      'skills list',
      'memory show',
      'features disable',
      'completion',
    ])
      assert.ok(paths.includes(path), path);
  });
  for (const path of paths)
    it(`k8sclaw ${path} --help`.replace('  ', ' '), async () => {
      const result = await cli(...(path ? path.split(' ') : []), '--help');
      assert.equal(result.code, 0, result.stderr);
      // commander names the command by its path, each with its aliases (runs|run|ar)
      const named = path
        .split(' ')
        .map((name) => `${name}(\\|\\S+)?`)
        .join(' ');
      assert.match(result.stdout, new RegExp(`^Usage: k8sclaw ${named}`));
    });
});

describe('command lines it cannot use exit with 2', () => {
  const cases: { args: string[]; stderr: RegExp }[] = [
    { args: ['nope'], stderr: /^error: unknown command 'nope'\n/ },
    {
      args: ['runs', 'list', '-o', 'xml'],
      stderr: /^error: option '-o, --output <format>' argument 'xml' is invalid\./,
    },
    { args: ['runs', 'get'], stderr: /^error: missing required argument 'name'\n/ },
    {
      args: ['features', 'enable', 'sub-agents'],
      stderr: /^error: required option '--policy <policy>' not specified\n/,
    },
    {
      args: ['features', 'enable', 'teleport', '--policy', 'p'],
      stderr: /^Error: unknown feature gate "teleport": the known gates are code-execution, /,
    },
    { args: ['completion', 'powershell'], stderr: /^error: command-argument value 'powershell' is invalid/ },
  ];
  for (const c of cases)
    it(c.args.join(' '), async () => {
      const result = await cli(...c.args);
      assert.equal(result.code, 2);
      assert.match(result.stderr, c.stderr);
    });
});

describe('failures exit with 1 and one sentence', () => {
  it('no kubeconfig', async () => {
    const result = await cli('runs', 'list');
    assert.equal(result.code, 1);
    assert.match(result.stderr, /^Error: cannot load kubeconfig \/nonexistent\/kubeconfig: [^\n]*\n$/);
  });
});
