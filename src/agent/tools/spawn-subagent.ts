// spawn_subagent: the agent hands a task to a sub-agent, a separate run of the same instance under
// the same policy, and waits for its final answer. The tool does not start anything itself: the
// runner writes a `subagent_request` run event, the bridge publishes it with the run's own
// credentials, and the controller checks the policy's limits and creates the child run (or refuses).
// The child's result, or the refusal, comes back through the run's input.
import { taskMaxLength, type SubagentAnswer } from '../../api/index.ts';
import { toolError, toolOk, type Tool } from './tool.ts';

export interface SubagentSpawner {
  /**
   * Asks for a sub-agent and waits for the answer; undefined when `signal` aborted first (the
   * run's deadline). Throws when the request could not be handed over.
   */
  spawn(task: string, signal: AbortSignal): Promise<SubagentAnswer | undefined>;
}

export interface SpawnSubagentArgs {
  task: string;
}

export function createSpawnSubagentTool(spawner: SubagentSpawner): Tool<SpawnSubagentArgs> {
  return {
    spec: {
      name: 'spawn_subagent',
      description:
        'Hand a task to a sub-agent: a separate agent run with the same settings and policy, which does ' +
        'not see this conversation, so the task must say everything it needs. The call waits until the ' +
        'sub-agent has finished and returns its final answer. The policy limits how deep sub-agents may ' +
        'nest and how many may run at once; a request beyond those limits is refused.',
      parameters: {
        type: 'object',
        properties: {
          task: {
            type: 'string',
            minLength: 1,
            maxLength: taskMaxLength,
            description: 'What the sub-agent is asked to do, with everything it needs to know.',
          },
        },
        required: ['task'],
        additionalProperties: false,
      },
    },
    async run(args, context) {
      if (args.task.trim() === '') return toolError('the task is empty: nothing to hand over');
      let answer: SubagentAnswer | undefined;
      try {
        answer = await spawner.spawn(args.task, context.signal);
      } catch (error) {
        return toolError(
          `the request could not be handed over: ${error instanceof Error ? error.message : String(error)}`,
        );
      }
      if (!answer) {
        return toolError(
          'this run reached its deadline before the sub-agent answered; the sub-agent is stopped when this run ends',
        );
      }
      const run = answer.run ?? 'the sub-agent run';
      switch (answer.status) {
        case 'succeeded':
          return toolOk(answer.response ? answer.response : `${run} finished without an answer`);
        case 'failed':
          return toolError(`sub-agent run ${run} failed: ${answer.error ?? 'no reason given'}`);
        case 'refused':
          return toolError(`no sub-agent was started: ${answer.error ?? 'the request was refused'}`);
      }
    },
  };
}
