// The demo journey through a whole agent pod on the host: the runner, the IPC bridge and the
// sandbox loop as real processes with the Job's own env, against the scripted model in the OpenAI
// Chat format (API key required, given through the key file). The agent lists the workspace,
// writes a file, checks it with a command in the sandbox, stores a fact and answers with a memory
// marker; the result, the workspace, what the model was told and the completed event on the bus
// all agree. A second run whose memory holds a fact finds it in its system prompt.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { memoryAppendOpen, memoryClose } from '../../../src/orchestrator/index.ts';
import type { ModelScript } from '../../fakes/model-server/index.ts';
import { startAgentPod } from '../../harness/agent-pod.ts';
import {
  agentRun,
  answered,
  codePolicy,
  instance,
  modelKey,
  skillMarker,
  skillPack,
  systemPromptOf,
  toolResultsOf,
  usePodSuite,
} from './pod-fixtures.ts';

const notes = '# Team notes\n\n- favourite colour: teal\n- stand-up at 09:30\n';
const fact = "The team's favourite colour is teal.";
const answer = `Wrote notes.md and checked it. ${memoryAppendOpen}Stand-up is at 09:30.${memoryClose}`;

const script: ModelScript = {
  conversations: [
    {
      match: { userContains: 'What is' },
      turns: [
        {
          text: 'From my memory: the {{system:/favourite colour is \\w+/}}.',
          usage: { input: 50, output: 7 },
        },
      ],
    },
    {
      turns: [
        {
          toolCalls: [{ name: 'list_directory', arguments: { path: '.' } }],
          usage: { input: 100, output: 10 },
        },
        {
          toolCalls: [{ name: 'write_file', arguments: { path: 'notes.md', content: notes } }],
          usage: { input: 110, output: 20 },
        },
        {
          toolCalls: [
            { name: 'execute_command', arguments: { command: 'wc -l notes.md && echo "cwd=$(pwd)"' } },
          ],
          usage: { input: 120, output: 30 },
        },
        {
          toolCalls: [{ name: 'update_memory', arguments: { content: fact } }],
          usage: { input: 130, output: 40 },
        },
        { text: answer, usage: { input: 140, output: 50 } },
      ],
    },
  ],
};

describe('agent pod: the demo journey (OpenAI Chat)', { timeout: 120_000 }, () => {
  const suite = usePodSuite(script);

  async function startPod(task: string, memory?: string) {
    const pod = await startAgentPod({
      run: agentRun(task),
      instance: instance({ baseURL: `${suite.model.url}/v1` }),
      policy: codePolicy(),
      skillPacks: [skillPack()],
      providerKey: `${modelKey}\n`,
      ...(memory !== undefined ? { memory } : {}),
      bus: { url: suite.bus.nats.url, authority: suite.bus.authority },
    });
    suite.track(pod);
    return pod;
  }

  it('lists, writes, runs a command, remembers and answers; the bus gets the result once', async () => {
    const requestsBefore = suite.model.requests.length;
    const pod = await startPod('Keep the team notes: write them to notes.md and check the file.');
    const outcome = await pod.finish();
    const logs = pod.logs();

    assert.equal(outcome.runner.code, 0, logs);
    assert.equal(outcome.bridge.code, 0, logs);
    const result = outcome.result;
    assert.ok(result, `result.json is written\n${logs}`);
    assert.equal(result.status, 'succeeded');
    assert.equal(result.response, answer);
    assert.deepEqual(result.usage, { input: 600, output: 150 });
    assert.equal(result.toolCalls, 4);
    assert.deepEqual(result.memoryUpdates, [fact]);
    assert.deepEqual(JSON.parse(outcome.terminationMessage ?? 'null'), result);

    assert.equal(await readFile(path.join(pod.paths.workspace, 'notes.md'), 'utf8'), notes);

    const requests = answered(suite.model.requests.slice(requestsBefore));
    assert.equal(requests.length, 5, 'one request per turn');
    for (const request of requests) {
      assert.equal(request.headers.authorization, `Bearer ${modelKey}`, 'the key from the key file, trimmed');
    }
    const system = systemPromptOf(requests[0]!);
    assert.match(system, new RegExp(skillMarker), 'the skill is in the system prompt');
    assert.match(system, /### Keep notes \(team-notes\/keep-notes\)/);
    assert.match(system, /## Memory[\s\S]*# Memory of alice/, 'MEMORY.md is in the system prompt');
    assert.match(system, new RegExp(`Your working directory is ${pod.paths.workspace}`));

    const toolResults = toolResultsOf(requests[4]!);
    assert.equal(toolResults.length, 4);
    assert.match(toolResults[0]!, /is empty/, 'the workspace started empty');
    assert.match(toolResults[1]!, /notes\.md/);
    assert.match(
      toolResults[2]!,
      /^exit code 0\n--- stdout ---\n4 notes\.md\ncwd=/,
      'the command ran in the sandbox',
    );
    assert.ok(toolResults[2]!.includes(`cwd=${pod.paths.workspace}`), 'in the workspace');
    assert.match(toolResults[3]!, /remembered/);

    const completed = await suite.bus.completed.waitFor(pod.identity.runUid);
    assert.deepEqual(completed.identity, pod.identity);
    assert.equal(completed.id, `${pod.identity.runUid}:completed`);
    assert.deepEqual(completed.body, { type: 'completed', result });
    // redeliveries or a second publish would show up within the consumer's ack cycle
    await new Promise((resolve) => setTimeout(resolve, 1000));
    assert.equal(suite.bus.completed.of(pod.identity.runUid).length, 1, 'exactly one completed event');
  });

  it('a later run sees the remembered fact in its system prompt', async () => {
    const requestsBefore = suite.model.requests.length;
    const pod = await startPod('What is the team favourite colour?', `# Memory of alice\n\n- ${fact}\n`);
    const outcome = await pod.finish();
    const logs = pod.logs();

    assert.equal(outcome.runner.code, 0, logs);
    assert.equal(outcome.bridge.code, 0, logs);
    assert.equal(outcome.result?.status, 'succeeded');
    assert.equal(outcome.result?.response, 'From my memory: the favourite colour is teal.');
    const [request] = answered(suite.model.requests.slice(requestsBefore));
    assert.ok(request);
    assert.ok(systemPromptOf(request).includes(`- ${fact}`), 'the memory file reached the model');
    assert.equal((await suite.bus.completed.waitFor(pod.identity.runUid)).body.type, 'completed');
  });
});
