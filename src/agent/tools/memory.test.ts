import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runEventLimits } from '../../api/index.ts';
import { createMemoryCollector, createUpdateMemoryTool } from './memory.ts';

const context = { signal: new AbortController().signal };

describe('createMemoryCollector', () => {
  it('keeps entries in order, trimmed, and ignores the same fact spelled again', () => {
    const memory = createMemoryCollector();
    assert.deepEqual(memory.add('  Alice prefers German.  '), { added: true });
    assert.deepEqual(memory.add('The cluster is prod-eu.'), { added: true });
    assert.deepEqual(memory.add('alice   prefers german.'), { added: false, reason: 'duplicate' });
    assert.deepEqual(memory.entries(), ['Alice prefers German.', 'The cluster is prod-eu.']);
  });

  it('refuses empty, too long and too many entries', () => {
    const memory = createMemoryCollector({ maxEntries: 2, maxEntryChars: 5 });
    assert.deepEqual(memory.add('   '), { added: false, reason: 'empty' });
    assert.deepEqual(memory.add('123456'), { added: false, reason: 'too-long' });
    assert.deepEqual(memory.add('😀😀😀😀😀'), { added: true }, 'code points, not UTF-16 units');
    assert.deepEqual(memory.add('b'), { added: true });
    assert.deepEqual(memory.add('c'), { added: false, reason: 'full' });
    assert.equal(memory.entries().length, 2);
  });

  it('defaults to the limits of the run result', () => {
    const memory = createMemoryCollector();
    for (let i = 0; i < runEventLimits.memoryUpdates + 3; i++) memory.add(`fact ${i}`);
    assert.equal(memory.entries().length, runEventLimits.memoryUpdates);
    assert.deepEqual(memory.add('x'.repeat(runEventLimits.memoryUpdate + 1)), {
      added: false,
      reason: 'too-long',
    });
  });
});

describe('update_memory', () => {
  it('stores a fact and says how many are stored', async () => {
    const memory = createMemoryCollector();
    const tool = createUpdateMemoryTool(memory);
    assert.deepEqual(await tool.run({ content: 'uses zsh' }, context), {
      content: `remembered (1 of at most ${runEventLimits.memoryUpdates} this run)`,
      isError: false,
    });
    assert.deepEqual(await tool.run({ content: 'uses zsh' }, context), {
      content: 'already remembered: nothing added',
      isError: false,
    });
    assert.deepEqual(memory.entries(), ['uses zsh']);
  });

  it('reports a full memory as an error', async () => {
    const options = { maxEntries: 1 };
    const tool = createUpdateMemoryTool(createMemoryCollector(options), options);
    await tool.run({ content: 'one' }, context);
    const result = await tool.run({ content: 'two' }, context);
    assert.equal(result.isError, true);
    assert.match(result.content, /memory is full for this run \(1 entries\)/);
  });

  it('limits content length in its schema', () => {
    const tool = createUpdateMemoryTool(createMemoryCollector());
    const properties = tool.spec.parameters.properties as Record<string, { maxLength?: number }>;
    assert.equal(properties.content?.maxLength, runEventLimits.memoryUpdate);
  });
});
