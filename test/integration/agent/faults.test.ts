// Faults an agent pod must turn into a clear result: a refused key, rate limiting, a provider that
// keeps failing, broken tool arguments, a model that never stops calling tools, tools outside the
// run's policy and tool output too large for the context. Every run ends with a result.json, a
// termination message that is a valid RunResult and one completed event; failures exit 1.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { compileMessageValidator, runResultSchema, type RunResult } from '../../../src/api/index.ts';
import { type ModelScript, type RecordedRequest } from '../../fakes/model-server/index.ts';
import {
  startAgentPod,
  type AgentPod,
  type AgentPodOutcome,
  type AgentPodSpec,
} from '../../harness/agent-pod.ts';
import {
  agentRun,
  answered,
  codePolicy,
  instance,
  modelKey,
  offeredToolsOf,
  toolResultsOf,
  type InstanceOptions,
  usePodSuite,
} from './pod-fixtures.ts';

const checkRunResult = compileMessageValidator(runResultSchema);
/** In the host's /tmp, which is not the pod's: the file tools must refuse it. */
const hostTmpFile = path.join(os.tmpdir(), `k8sclaw-not-the-pod-${randomUUID()}.txt`);

const script: ModelScript = {
  conversations: [
    { match: { userContains: 'wrong key' }, turns: [{ text: 'never answered' }] },
    {
      match: { userContains: 'rate limited' },
      turns: [{ text: 'answered after the wait', error: { status: 429, retryAfterSeconds: 1, times: 2 } }],
    },
    {
      match: { userContains: 'server down' },
      turns: [{ text: 'never answered', error: { status: 500, retryAfterSeconds: 0.1 } }],
    },
    {
      match: { userContains: 'broken arguments' },
      turns: [
        { toolCalls: [{ name: 'write_file', arguments: '{"path": "broken.txt", "content": "cut' }] },
        { text: 'I could not write the file.' },
      ],
    },
    {
      match: { userContains: 'never stop' },
      turns: [{ toolCalls: [{ name: 'list_directory', arguments: {} }], repeatForever: true }],
    },
    {
      match: { userContains: 'outside policy' },
      turns: [
        { toolCalls: [{ name: 'execute_command', arguments: { command: 'id' } }] },
        { text: 'refused, fine' },
      ],
    },
    {
      match: { userContains: 'remember without memory' },
      turns: [
        { toolCalls: [{ name: 'update_memory', arguments: { content: 'a fact' } }] },
        { text: 'not stored' },
      ],
    },
    {
      match: { userContains: 'scratch files' },
      turns: [
        {
          toolCalls: [
            { name: 'write_file', arguments: { path: '../tmp/scratch.txt', content: 'scratch' } },
            { name: 'write_file', arguments: { path: hostTmpFile, content: 'escaped' } },
          ],
        },
        { text: 'one written, one refused' },
      ],
    },
    {
      match: { userContains: 'huge output' },
      turns: [
        {
          toolCalls: [
            {
              name: 'execute_command',
              arguments: { command: 'yes k8sclaw-line | head -c 200000 | tee big.txt' },
            },
            { name: 'read_file', arguments: { path: 'big.txt' } },
          ],
        },
        { text: 'that was a lot' },
      ],
    },
  ],
};

describe('agent pod: faults', { timeout: 180_000 }, () => {
  const suite = usePodSuite(script);

  interface Run {
    pod: AgentPod;
    outcome: AgentPodOutcome;
    result: RunResult;
    requests: RecordedRequest[];
    logs: string;
  }

  /** One pod to the end; the result, the termination message and the bus must agree. */
  async function runPod(
    task: string,
    options: Partial<Pick<AgentPodSpec, 'providerKey' | 'agentEnv' | 'policy'>> & {
      instance?: Partial<InstanceOptions>;
    } = {},
  ): Promise<Run> {
    const requestsBefore = suite.model.requests.length;
    const pod = await startAgentPod({
      run: agentRun(task),
      instance: instance({ baseURL: `${suite.model.url}/v1`, skills: false, ...options.instance }),
      ...(options.instance?.policy === false ? {} : { policy: options.policy ?? codePolicy() }),
      providerKey: options.providerKey ?? modelKey,
      bus: { url: suite.bus.nats.url, authority: suite.bus.authority },
      ...(options.agentEnv ? { agentEnv: options.agentEnv } : {}),
    });
    suite.track(pod);
    const outcome = await pod.finish();
    const logs = pod.logs();
    const result = outcome.result;
    assert.ok(result, `result.json is written\n${logs}`);
    assert.equal(outcome.runner.code, result.status === 'succeeded' ? 0 : 1, logs);
    assert.equal(outcome.bridge.code, 0, logs);
    const termination = checkRunResult(JSON.parse(outcome.terminationMessage ?? 'null'));
    assert.ok(termination.ok, 'the termination message is a valid RunResult');
    assert.deepEqual(termination.value, result);
    const completed = await suite.bus.completed.waitFor(pod.identity.runUid);
    assert.deepEqual(completed.body, { type: 'completed', result });
    return { pod, outcome, result, requests: suite.model.requests.slice(requestsBefore), logs };
  }

  it('a refused key fails the run as ProviderUnauthorized, without the key in the error', async () => {
    const wrongKey = 'sk-wrong-key-abcdef123456';
    const { result, requests } = await runPod('wrong key', { providerKey: wrongKey });
    assert.equal(result.status, 'failed');
    assert.equal(result.reason, 'ProviderUnauthorized');
    assert.match(result.error ?? '', /openai refused the credentials \(HTTP 401\)/);
    assert.ok(!JSON.stringify(result).includes(wrongKey), 'the key is never in the result');
    assert.deepEqual(
      requests.map((request) => request.status),
      [401],
      'a 401 is not retried',
    );
  });

  it('rate limiting with retry-after is waited out and the run succeeds', async () => {
    const started = Date.now();
    const { result, requests } = await runPod('rate limited');
    assert.equal(result.status, 'succeeded');
    assert.equal(result.response, 'answered after the wait');
    assert.deepEqual(
      requests.map((request) => request.status),
      [429, 429, 200],
    );
    assert.ok(Date.now() - started >= 2000, 'retry-after (1 s, twice) was honoured');
  });

  it('a provider failing on every attempt fails the run as ProviderUnavailable', async () => {
    const { result, requests } = await runPod('server down');
    assert.equal(result.status, 'failed');
    assert.equal(result.reason, 'ProviderUnavailable');
    assert.match(result.error ?? '', /HTTP 500/);
    // the first attempt and the SDK's 4 retries (createModelProvider's defaultMaxRetries)
    assert.deepEqual(
      requests.map((request) => request.status),
      [500, 500, 500, 500, 500],
    );
  });

  it('malformed tool arguments reach the model as a readable error and the run finishes', async () => {
    const { pod, result, requests } = await runPod('broken arguments');
    assert.equal(result.status, 'succeeded');
    assert.equal(result.response, 'I could not write the file.');
    assert.equal(result.toolCalls, 1);
    const [toolResult] = toolResultsOf(answered(requests)[1]!);
    assert.match(
      toolResult ?? '',
      /^the arguments for write_file are not valid JSON \(.+\); send one JSON object$/,
    );
    assert.equal(existsSync(path.join(pod.paths.workspace, 'broken.txt')), false);
  });

  it('a model that never stops calling tools fails as ToolLoopLimit at the configured cap', async () => {
    const { result, requests } = await runPod('never stop', {
      agentEnv: { K8SCLAW_MAX_TOOL_ITERATIONS: '3' },
    });
    assert.equal(result.status, 'failed');
    assert.equal(result.reason, 'ToolLoopLimit');
    assert.equal(result.toolCalls, 3);
    assert.match(result.error ?? '', /after 3 steps/);
    assert.equal(answered(requests).length, 3);
  });

  it('a tool outside the run policy is refused and the model is told why', async () => {
    // no sandbox: the Job's tool list leaves execute_command out
    const withoutSandbox = await runPod('outside policy, no sandbox', { instance: { sandbox: false } });
    assert.equal(withoutSandbox.result.status, 'succeeded');
    const offered = offeredToolsOf(withoutSandbox.requests[0]!);
    assert.ok(offered.includes('read_file') && !offered.includes('execute_command'), offered.join(','));
    assert.match(
      toolResultsOf(answered(withoutSandbox.requests)[1]!)[0] ?? '',
      /^the tool execute_command is not allowed by the run's policy: it is not in the run's tool list; tools you can use: read_file, /,
    );

    // listed, but the pod has no sandbox to serve it
    const listedOnly = await runPod('outside policy, listed', {
      instance: { sandbox: false },
      agentEnv: { K8SCLAW_TOOLS: 'execute_command,read_file' },
    });
    assert.match(
      toolResultsOf(answered(listedOnly.requests)[1]!)[0] ?? '',
      /^the tool execute_command is not allowed by the run's policy: the run has no sandbox to run commands in; tools you can use: read_file$/,
    );

    // listed and a sandbox, but the policy's code-execution gate is off
    const gateOff = await runPod('outside policy, gate off', {
      policy: { ...codePolicy(), spec: { featureGates: { 'code-execution': false } } },
      agentEnv: { K8SCLAW_TOOLS: 'execute_command,read_file' },
    });
    assert.match(
      toolResultsOf(answered(gateOff.requests)[1]!)[0] ?? '',
      /^the tool execute_command is not allowed by the run's policy: the code-execution feature gate is off; /,
    );

    // listed, but the run's memory is off: nothing could keep the fact
    const noMemory = await runPod('remember without memory', {
      agentEnv: { K8SCLAW_TOOLS: 'update_memory,read_file', MEMORY_ENABLED: 'false' },
    });
    assert.match(
      toolResultsOf(answered(noMemory.requests)[1]!)[0] ?? '',
      /^the tool update_memory is not allowed by the run's policy: memory is not enabled for this run; tools you can use: read_file$/,
    );
    assert.deepEqual(noMemory.result.memoryUpdates, []);
  });

  it("the file tools write to the pod's /tmp volume and nowhere else", async () => {
    const { pod, result, requests } = await runPod('scratch files');
    assert.equal(result.status, 'succeeded');
    const [scratch, escaped] = toolResultsOf(answered(requests)[1]!);
    assert.match(scratch ?? '', /^wrote 7 bytes to /);
    assert.equal(await readFile(path.join(pod.paths.tmp, 'scratch.txt'), 'utf8'), 'scratch');
    assert.match(escaped ?? '', /is outside the directories you may access/);
    assert.equal(existsSync(hostTmpFile), false);
  });

  it('oversized tool output is cut with a note before it reaches the model', async () => {
    const { result, requests } = await runPod('huge output');
    assert.equal(result.status, 'succeeded');
    assert.equal(result.toolCalls, 2);
    const [command, read] = toolResultsOf(answered(requests)[1]!);
    assert.ok(command && read);
    assert.match(command, /^exit code 0\n--- stdout ---\nk8sclaw-line/);
    assert.match(command, /\[\.\.\. \d+ of 200000 bytes omitted \.\.\.\]/);
    assert.ok(command.length < 16 * 1024, `command output kept small (${command.length})`);
    assert.match(read, /\[truncated: showed lines 1-\d+; \d+ more bytes of .*big\.txt are not shown/);
    assert.ok(read.length < 32 * 1024, `file content kept small (${read.length})`);
  });
});
