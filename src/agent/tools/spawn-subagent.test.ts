import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SubagentAnswer } from '../../api/index.ts';
import { createSpawnSubagentTool } from './spawn-subagent.ts';

const context = { signal: new AbortController().signal };

function toolAnswering(answer: SubagentAnswer | undefined | Error) {
  const tasks: string[] = [];
  const tool = createSpawnSubagentTool({
    spawn: (task) => {
      tasks.push(task);
      return answer instanceof Error ? Promise.reject(answer) : Promise.resolve(answer);
    },
  });
  return { tool, tasks };
}

describe('spawn_subagent', () => {
  it("returns the sub-agent's answer when it succeeded", async () => {
    const { tool, tasks } = toolAnswering({
      requestId: 'r',
      status: 'succeeded',
      run: 'p-sub-1',
      response: 'There are 3 files.',
    });
    assert.deepEqual(await tool.run({ task: 'Count the files' }, context), {
      content: 'There are 3 files.',
      isError: false,
    });
    assert.deepEqual(tasks, ['Count the files']);
  });

  it('says when the sub-agent finished without an answer', async () => {
    const { tool } = toolAnswering({ requestId: 'r', status: 'succeeded', run: 'p-sub-1', response: '' });
    assert.deepEqual(await tool.run({ task: 't' }, context), {
      content: 'p-sub-1 finished without an answer',
      isError: false,
    });
  });

  it("returns a failed sub-agent's error as a tool error", async () => {
    const { tool } = toolAnswering({ requestId: 'r', status: 'failed', run: 'p-sub-1', error: 'model down' });
    assert.deepEqual(await tool.run({ task: 't' }, context), {
      content: 'sub-agent run p-sub-1 failed: model down',
      isError: true,
    });
  });

  it('returns a refusal as a tool error the model can read', async () => {
    const { tool } = toolAnswering({
      requestId: 'r',
      status: 'refused',
      error: 'parent run p has 1 of at most 1 sub-agent runs running; wait for one to finish',
    });
    const result = await tool.run({ task: 't' }, context);
    assert.equal(result.isError, true);
    assert.equal(
      result.content,
      'no sub-agent was started: parent run p has 1 of at most 1 sub-agent runs running; wait for one to finish',
    );
  });

  it('says so when the deadline came first', async () => {
    const { tool } = toolAnswering(undefined);
    const result = await tool.run({ task: 't' }, context);
    assert.equal(result.isError, true);
    assert.match(result.content, /reached its deadline before the sub-agent answered/);
  });

  it('reports a request that could not be handed over', async () => {
    const { tool } = toolAnswering(new Error('disk full'));
    assert.deepEqual(await tool.run({ task: 't' }, context), {
      content: 'the request could not be handed over: disk full',
      isError: true,
    });
  });

  it('asks for nothing when the task is blank', async () => {
    const { tool, tasks } = toolAnswering(undefined);
    const result = await tool.run({ task: '   ' }, context);
    assert.equal(result.isError, true);
    assert.deepEqual(tasks, []);
  });
});
