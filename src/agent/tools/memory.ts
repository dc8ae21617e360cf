// update_memory: facts the agent wants kept for later runs. Entries are collected here and read by
// the runner at the end of the run, which puts them into its result; the controller merges them
// into the instance's memory.
import { runEventLimits } from '../../api/index.ts';
import { toolError, toolOk, type Tool } from './tool.ts';

export interface MemoryCollector {
  /** Adds an entry; the outcome says why one was not added. */
  add(entry: string): { added: true } | { added: false; reason: 'empty' | 'duplicate' | 'full' | 'too-long' };
  /** The entries in the order they were added. */
  entries(): string[];
}

export interface MemoryCollectorOptions {
  maxEntries?: number;
  maxEntryChars?: number;
}

export function createMemoryCollector(options: MemoryCollectorOptions = {}): MemoryCollector {
  const maxEntries = options.maxEntries ?? runEventLimits.memoryUpdates;
  const maxEntryChars = options.maxEntryChars ?? runEventLimits.memoryUpdate;
  const stored: string[] = [];
  const seen = new Set<string>();
  return {
    add(entry) {
      const text = entry.trim();
      if (text === '') return { added: false, reason: 'empty' };
      // code points, as the result schema counts them
      if ([...text].length > maxEntryChars) return { added: false, reason: 'too-long' };
      // the same fact with other spacing or case is still the same fact
      const key = text.replace(/\s+/g, ' ').toLowerCase();
      if (seen.has(key)) return { added: false, reason: 'duplicate' };
      if (stored.length >= maxEntries) return { added: false, reason: 'full' };
      seen.add(key);
      stored.push(text);
      return { added: true };
    },
    entries: () => [...stored],
  };
}

export interface UpdateMemoryArgs {
  content: string;
}

export function createUpdateMemoryTool(
  memory: MemoryCollector,
  options: MemoryCollectorOptions = {},
): Tool<UpdateMemoryArgs> {
  const maxEntries = options.maxEntries ?? runEventLimits.memoryUpdates;
  const maxEntryChars = options.maxEntryChars ?? runEventLimits.memoryUpdate;
  return {
    spec: {
      name: 'update_memory',
      description:
        'Remember one fact for later runs of this agent (a preference, a decision, where something is). ' +
        `One short, self-contained fact per call; at most ${maxEntries} per run.`,
      parameters: {
        type: 'object',
        properties: {
          content: {
            type: 'string',
            minLength: 1,
            maxLength: maxEntryChars,
            description: 'The fact to remember.',
          },
        },
        required: ['content'],
        additionalProperties: false,
      },
    },
    async run(args) {
      const outcome = memory.add(args.content);
      if (outcome.added)
        return toolOk(`remembered (${memory.entries().length} of at most ${maxEntries} this run)`);
      switch (outcome.reason) {
        case 'duplicate':
          return toolOk('already remembered: nothing added');
        case 'empty':
          return toolError('content is empty: nothing to remember');
        case 'too-long':
          return toolError(`content is longer than ${maxEntryChars} characters; remember a shorter fact`);
        case 'full':
          return toolError(`memory is full for this run (${maxEntries} entries); nothing more can be added`);
      }
    },
  };
}
