// What arrives in the run's input, sorted: follow-up messages for the model, and the controller's
// answers to this run's sub-agent requests, each handed to the spawn_subagent call waiting for it.
// An answer nobody waits for any more (its call gave up at the deadline) is dropped, never shown
// to the model as a message.
import { randomUUID } from 'node:crypto';
import type { RunInput, SubagentAnswer } from '../api/index.ts';
import type { RunnerIpc } from '../ipc/index.ts';
import type { SubagentSpawner } from './tools/spawn-subagent.ts';

export interface RunInputs extends SubagentSpawner {
  /**
   * The follow-up messages to go on with, oldest first; empty only when input/ is closed with
   * nothing in it, so the run may end.
   */
  takeFollowUps(): Promise<string[]>;
}

export function createRunInputs(ipc: RunnerIpc, newId: () => string = randomUUID): RunInputs {
  const followUps: RunInput[] = [];
  /** The calls waiting, by request id: aborted when their answer is in `answers`. */
  const waiting = new Map<string, AbortController>();
  const answers = new Map<string, SubagentAnswer>();
  // whichever call takes an input hands it on: calls waiting at once take inputs in turn
  const sort = (input: RunInput) => {
    if (!input.subagent) {
      followUps.push(input);
      return;
    }
    const waiter = waiting.get(input.subagent.requestId);
    if (!waiter) return;
    answers.set(input.subagent.requestId, input.subagent);
    waiter.abort();
  };
  const texts = () => followUps.splice(0).map((input) => input.text);

  return {
    async takeFollowUps() {
      if (followUps.length > 0) {
        for (const input of await ipc.takeInputs()) sort(input);
        return texts();
      }
      // inputs that were all stale answers leave input/ open again: close and look once more
      for (;;) {
        const inputs = await ipc.takeInputsOrClose();
        if (inputs.length === 0) return [];
        for (const input of inputs) sort(input);
        if (followUps.length > 0) return texts();
      }
    },

    async spawn(task, signal) {
      const requestId = newId();
      const answered = new AbortController();
      // registered before the request exists, so an answer can never arrive unclaimed
      waiting.set(requestId, answered);
      try {
        await ipc.emit({ type: 'subagent_request', requestId, task });
        await ipc.watchInputs(sort, AbortSignal.any([signal, answered.signal]));
        return answers.get(requestId);
      } finally {
        waiting.delete(requestId);
        answers.delete(requestId);
      }
    },
  };
}
