import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { FeatureGate } from '../../api/index.ts';
import { agentTools } from '../../orchestrator/index.ts';
import { createMemoryCollector, type MemoryCollector } from './memory.ts';
import { buildToolSet, type BuildToolSetOptions } from './tool-set.ts';

const context = { signal: new AbortController().signal };
const allGates: Partial<Record<FeatureGate, boolean>> = {
  'code-execution': true,
  'file-access': true,
  'network-access': true,
  'memory-write': true,
  'sub-agents': true,
};

let base: string;
let workspace: string;
before(async () => {
  base = await mkdtemp(path.join(tmpdir(), 'tool-set-'));
  workspace = path.join(base, 'workspace');
  await mkdir(workspace);
  await mkdir(path.join(base, 'skills'));
});
after(() => rm(base, { recursive: true, force: true }));

const build = (overrides: Partial<BuildToolSetOptions> = {}) =>
  buildToolSet({
    allowed: agentTools,
    sandboxEnabled: true,
    featureGates: allGates,
    egressPolicy: { denyAll: false, allowedHosts: [] },
    memory: createMemoryCollector(),
    roots: [
      { path: workspace, writable: true },
      { path: path.join(base, 'skills'), writable: false },
    ],
    workspaceDir: workspace,
    execDir: path.join(base, 'exec'),
    ...overrides,
  });
const names = (overrides: Partial<BuildToolSetOptions> = {}) =>
  build(overrides).specs.map((spec) => spec.name);

describe('buildToolSet: what is offered', () => {
  it('offers every tool whose needs are met; spawn_subagent only with a way to ask for sub-agents', () => {
    assert.deepEqual(names(), [
      'execute_command',
      'read_file',
      'write_file',
      'edit_file',
      'list_directory',
      'fetch_url',
      'update_memory',
    ]);
    const spawner = { spawn: () => Promise.resolve(undefined) };
    assert.ok(names({ subagents: spawner }).includes('spawn_subagent'));
    assert.ok(
      !names({ subagents: spawner, featureGates: { ...allGates, 'sub-agents': false } }).includes(
        'spawn_subagent',
      ),
    );
  });

  it('offers only the tools the run allows', () => {
    assert.deepEqual(names({ allowed: ['read_file', 'list_directory', 'made_up'] }), [
      'read_file',
      'list_directory',
    ]);
  });

  it('drops tools whose feature gate is off or missing', () => {
    assert.deepEqual(names({ featureGates: { 'file-access': true } }), [
      'read_file',
      'write_file',
      'edit_file',
      'list_directory',
    ]);
  });

  it('drops execute_command without a sandbox and update_memory without a collector', () => {
    const offered = buildToolSet({
      allowed: agentTools,
      sandboxEnabled: false,
      featureGates: allGates,
      egressPolicy: { denyAll: false, allowedHosts: [] },
    }).specs.map((spec) => spec.name);
    assert.ok(!offered.includes('execute_command'));
    assert.ok(!offered.includes('update_memory'));
  });

  it('gives every tool a closed object schema', () => {
    for (const spec of build().specs) {
      assert.equal(spec.parameters.type, 'object', spec.name);
      assert.equal(spec.parameters.additionalProperties, false, spec.name);
      assert.ok(spec.description.length > 20, spec.name);
    }
  });
});

describe('buildToolSet: calls', () => {
  it('runs an offered tool with valid arguments', async () => {
    await writeFile(path.join(workspace, 'hello.txt'), 'hi there');
    assert.deepEqual(await build().call('read_file', '{"path":"hello.txt"}', context), {
      content: 'hi there',
      isError: false,
      outcome: 'ok',
    });
  });

  it('refuses a tool the policy does not allow, saying so and naming the usable tools', async () => {
    const tools = build({ allowed: ['read_file'] });
    const result = await tools.call('write_file', '{"path":"x","content":"y"}', context);
    assert.equal(result.outcome, 'refused');
    assert.equal(result.isError, true);
    assert.match(
      result.content,
      /^the tool write_file is not allowed by the run's policy: it is not in the run's tool list; tools you can use: read_file$/,
    );
  });

  it('refuses execute_command without a sandbox or with the gate off, with the reason', async () => {
    const noSandbox = await build({ sandboxEnabled: false }).call(
      'execute_command',
      '{"command":"ls"}',
      context,
    );
    assert.equal(noSandbox.outcome, 'refused');
    assert.match(noSandbox.content, /not allowed by the run's policy: the run has no sandbox/);
    const gateOff = await build({ featureGates: { ...allGates, 'code-execution': false } }).call(
      'execute_command',
      '{"command":"ls"}',
      context,
    );
    assert.equal(gateOff.outcome, 'refused');
    assert.match(gateOff.content, /the code-execution feature gate is off/);
  });

  it('refuses spawn_subagent when the run has no way to ask for sub-agents', async () => {
    const result = await build().call('spawn_subagent', '{"task":"t"}', context);
    assert.equal(result.outcome, 'refused');
    assert.match(result.content, /this run has no way to ask for sub-agents/);
  });

  it('hands spawn_subagent calls to the spawner and returns its answer', async () => {
    const tasks: string[] = [];
    const tools = build({
      subagents: {
        spawn: (task) => {
          tasks.push(task);
          return Promise.resolve({ requestId: 'r1', status: 'succeeded', run: 'p-sub-1', response: '42' });
        },
      },
    });
    const result = await tools.call('spawn_subagent', '{"task":"count the files"}', context);
    assert.deepEqual([result.outcome, result.content, tasks], ['ok', '42', ['count the files']]);
  });

  it('never takes ask for allow: a tool needing approval is not offered, and a call says it needs approval', async () => {
    const tools = build({ needingApproval: ['write_file'] });
    assert.equal(
      tools.specs.some((spec) => spec.name === 'write_file'),
      false,
    );
    assert.ok(tools.specs.some((spec) => spec.name === 'read_file'));
    const result = await tools.call('write_file', '{"path":"a.txt","content":"x"}', context);
    assert.equal(result.outcome, 'refused');
    assert.match(result.content, /write_file .*needs approval \(the policy marks it ask\)/);
  });

  it('refuses a tool that does not exist', async () => {
    const result = await build().call('rm_rf', '{}', context);
    assert.equal(result.outcome, 'refused');
    assert.match(
      result.content,
      /there is no tool named rm_rf; tools you can use: execute_command, read_file/,
    );
  });

  it('reports malformed JSON, naming the problem', async () => {
    const result = await build().call('read_file', '{"path": "a.txt"', context);
    assert.equal(result.outcome, 'error');
    assert.match(
      result.content,
      /^the arguments for read_file are not valid JSON \(.*JSON.*\); send one JSON object$/,
    );
  });

  it('reports arguments that are not an object', async () => {
    assert.match(
      (await build().call('read_file', '["a.txt"]', context)).content,
      /must be a JSON object, not an array/,
    );
    assert.match(
      (await build().call('read_file', 'null', context)).content,
      /must be a JSON object, not null/,
    );
    assert.match(
      (await build().call('read_file', '"a.txt"', context)).content,
      /must be a JSON object, not a string/,
    );
  });

  it('reports invalid arguments, naming the field', async () => {
    const tools = build();
    const missing = await tools.call('read_file', '{}', context);
    assert.equal(missing.outcome, 'error');
    assert.equal(missing.content, 'invalid arguments for read_file: missing required argument "path"');
    assert.equal(
      (await tools.call('read_file', '{"path":"a","offset":"3"}', context)).content,
      'invalid arguments for read_file: "offset" must be integer',
    );
    assert.equal(
      (await tools.call('read_file', '{"path":"a","offset":0}', context)).content,
      'invalid arguments for read_file: "offset" must be >= 1',
    );
    assert.equal(
      (await tools.call('read_file', '{"path":"a","lines":3}', context)).content,
      'invalid arguments for read_file: unknown argument "lines" (arguments: path, offset, limit)',
    );
    assert.equal(
      (await tools.call('fetch_url', '{"url":"https://example.com","method":"POST"}', context)).content,
      'invalid arguments for fetch_url: "method" must be one of GET, HEAD',
    );
  });

  it('takes empty arguments as an empty object', async () => {
    const result = await build().call('list_directory', '', context);
    assert.equal(result.outcome, 'ok', result.content);
  });

  it('truncates long output with a note', async () => {
    await writeFile(path.join(workspace, 'long.txt'), 'z'.repeat(5000));
    const result = await build({ maxOutputChars: 1000 }).call('read_file', '{"path":"long.txt"}', context);
    assert.equal(result.outcome, 'ok');
    assert.ok(result.content.length <= 1000);
    assert.match(result.content, /\[truncated: \d+ of 5000 characters omitted\]$/);
  });

  it('turns an unexpected exception into an error result', async () => {
    const broken: MemoryCollector = {
      add: () => {
        throw new Error('disk on fire');
      },
      entries: () => [],
    };
    const result = await build({ memory: broken }).call('update_memory', '{"content":"x"}', context);
    assert.deepEqual(result, {
      content: 'update_memory failed unexpectedly: disk on fire',
      isError: true,
      outcome: 'error',
    });
  });

  it('reports a tool error as outcome error', async () => {
    const result = await build().call(
      'write_file',
      JSON.stringify({ path: path.join(base, 'skills', 'x'), content: 'y' }),
      context,
    );
    assert.equal(result.outcome, 'error');
    assert.match(result.content, /read-only/);
  });

  it('stores memory through update_memory', async () => {
    const memory = createMemoryCollector();
    await build({ memory }).call('update_memory', '{"content":"prefers tabs"}', context);
    assert.deepEqual(memory.entries(), ['prefers tabs']);
  });

  it('writes through write_file relative to the workspace', async () => {
    const result = await build().call('write_file', '{"path":"sub/out.txt","content":"done"}', context);
    assert.equal(result.outcome, 'ok', result.content);
    assert.equal(await readFile(path.join(workspace, 'sub/out.txt'), 'utf8'), 'done');
  });
});
