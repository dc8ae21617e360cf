// The keymap: each key means one thing per screen, and the dispatcher finds it there only.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { commandForKey, keymap } from './keymap.ts';
import { initialState, reduce } from './tui-state.ts';
import { views } from './tui-views.ts';

const table = initialState('team-a');
const help = reduce(table, { type: 'open', screen: { screen: 'help' } });
const logs = reduce(table, {
  type: 'open',
  screen: {
    screen: 'logs',
    namespace: 'team-a',
    pod: 'p',
    containers: ['agent', 'ipc-bridge'],
    container: 0,
  },
});
const confirm = reduce(table, {
  type: 'open',
  screen: { screen: 'confirm-delete', view: 'runs', key: 'team-a/r' },
});

describe('keymap', () => {
  it('no key is bound twice in one scope', () => {
    for (const scope of ['table', 'screen', 'logs', 'confirm'] as const) {
      const keys = keymap.filter((b) => b.scope === scope || b.scope === 'any').flatMap((b) => b.keys);
      assert.deepEqual(keys, [...new Set(keys)], scope);
    }
  });

  it('1 to 7 show the views in order, Tab the next one', () => {
    views.forEach((view, i) =>
      assert.deepEqual(commandForKey(table, String(i + 1)), { type: 'show-view', view: view.id }),
    );
    assert.deepEqual(commandForKey(table, 'tab'), { type: 'next-view' });
  });

  const cases: [state: typeof table, key: string, expected: ReturnType<typeof commandForKey>][] = [
    [table, 'l', { type: 'logs' }],
    [table, 'd', { type: 'describe' }],
    [table, 'x', { type: 'delete' }],
    [table, 'return', { type: 'details' }],
    [table, 'j', { type: 'move', by: 1 }],
    [table, 'up', { type: 'move', by: -1 }],
    [table, '/', { type: 'command-prompt' }],
    [table, 'a', { type: 'toggle-all-namespaces' }],
    [table, 'y', undefined],
    [table, '?', { type: 'help' }],
    [help, 'escape', { type: 'back' }],
    [help, 'x', undefined],
    [help, '1', undefined],
    [table, 'c', undefined],
    [logs, 'c', { type: 'next-container' }],
    [logs, 'escape', { type: 'back' }],
    [logs, 'l', undefined],
    [confirm, 'y', { type: 'confirm' }],
    [confirm, 'escape', { type: 'back' }],
    [confirm, 'x', undefined],
  ];
  for (const [state, key, expected] of cases)
    it(`${state.stack.at(-1)?.screen ?? 'table'}: ${key}`, () =>
      assert.deepEqual(commandForKey(state, key), expected));
});
