// The agent pod against the scripted model in the other wire formats: Anthropic Messages (provider
// anthropic) and the OpenAI Responses API (provider openai with a reasoning model), with thinking
// on so reasoning is echoed back across turns. Each run writes a file, reads it back through the
// sandbox and answers; the tool results reach the model in its own format.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import type { Provider } from '../../../src/api/index.ts';
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

const script: ModelScript = {
  conversations: [
    {
      turns: [
        {
          thinking: 'I should write the file first.',
          text: 'Writing it.',
          toolCalls: [
            { name: 'write_file', arguments: { path: 'hello.txt', content: 'hello from the agent\n' } },
          ],
          usage: { input: 40, output: 8 },
        },
        {
          thinking: 'Now check it.',
          toolCalls: [{ name: 'execute_command', arguments: { command: 'cat hello.txt | tr a-z A-Z' } }],
          usage: { input: 60, output: 9 },
        },
        { text: 'Done: {{system:/(SKILL-MARKER-\\w+)/}}', usage: { input: 80, output: 10 } },
      ],
    },
  ],
};

const cases: { name: string; provider: Provider; model: string; format: string; path: string }[] = [
  {
    name: 'Anthropic Messages',
    provider: 'anthropic',
    model: 'claude-sonnet-4-5',
    format: 'anthropic',
    path: '/v1/messages',
  },
  {
    name: 'OpenAI Responses',
    provider: 'openai',
    model: 'o4-mini',
    format: 'openai-responses',
    path: '/v1/responses',
  },
];

describe('agent pod: Anthropic Messages and OpenAI Responses', { timeout: 120_000 }, () => {
  const suite = usePodSuite(script);

  for (const { name, provider, model: modelName, format, path: apiPath } of cases) {
    it(`${name}: tool calls, reasoning echoed, answer`, async () => {
      const requestsBefore = suite.model.requests.length;
      const baseURL = provider === 'anthropic' ? suite.model.url : `${suite.model.url}/v1`;
      const pod = await startAgentPod({
        run: agentRun('Write hello.txt and check it.', { model: { thinking: 'low' } }),
        instance: instance({ provider, model: modelName, baseURL }),
        policy: codePolicy(),
        skillPacks: [skillPack()],
        providerKey: modelKey,
        bus: { url: suite.bus.nats.url, authority: suite.bus.authority },
      });
      suite.track(pod);
      const outcome = await pod.finish();
      const logs = pod.logs();

      assert.equal(outcome.runner.code, 0, logs);
      assert.equal(outcome.bridge.code, 0, logs);
      assert.equal(outcome.result?.status, 'succeeded', logs);
      assert.equal(outcome.result.response, `Done: ${skillMarker}`);
      assert.equal(outcome.result.toolCalls, 2);
      assert.deepEqual(outcome.result.usage, { input: 180, output: 27 });
      assert.equal(
        await readFile(path.join(pod.paths.workspace, 'hello.txt'), 'utf8'),
        'hello from the agent\n',
      );

      const requests = suite.model.requests.slice(requestsBefore);
      assert.deepEqual(
        requests.map((request) => [request.format, request.path, request.status]),
        [0, 1, 2].map(() => [format, apiPath, 200]),
        'three turns, each accepted (reasoning echoed as the format requires)',
      );
      assert.match(systemPromptOf(requests[0]!), new RegExp(skillMarker));
      const echoed = format === 'anthropic' ? '"type":"thinking"' : '"type":"reasoning"';
      assert.ok(
        JSON.stringify(requests[1]!.body).includes(echoed),
        "the first turn's reasoning is sent back",
      );
      const results = toolResultsOf(answered(requests)[2]!);
      assert.equal(results.length, 2);
      assert.match(results[0]!, /wrote 21 bytes/);
      assert.match(results[1]!, /^exit code 0\n--- stdout ---\nHELLO FROM THE AGENT$/);

      const completed = await suite.bus.completed.waitFor(pod.identity.runUid);
      assert.deepEqual(completed.body, { type: 'completed', result: outcome.result });
    });
  }
});
