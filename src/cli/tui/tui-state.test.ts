// The TUI's reducer: views, selection, namespaces, the filter, the prompt and the screen stack.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { initialState, reduce, topScreen, type TuiAction, type TuiState } from './tui-state.ts';

const start = initialState('team-a');
const after = (...actions: TuiAction[]): TuiState => actions.reduce(reduce, start);

describe('tui state', () => {
  it('starts on instances in the context namespace, on the table', () => {
    assert.equal(start.view, 'instances');
    assert.equal(start.namespace, 'team-a');
    assert.deepEqual(topScreen(start), { screen: 'table' });
  });

  it('Tab cycles through the seven views and wraps around', () => {
    const seen = Array.from(
      { length: 8 },
      (_, i) => after(...Array.from({ length: i }, (): TuiAction => ({ type: 'next-view' }))).view,
    );
    assert.deepEqual(seen, [
      'instances',
      'runs',
      'policies',
      'skills',
      'channels',
      'pods',
      'schedules',
      'instances',
    ]);
  });

  it('the selection stays within the rows, per view', () => {
    const s = after(
      { type: 'move', by: 5, rows: 3 },
      { type: 'show-view', view: 'runs' },
      { type: 'move', by: -1, rows: 3 },
    );
    assert.equal(s.selection.instances, 2);
    assert.equal(s.selection.runs, 0);
    assert.equal(after({ type: 'move', by: 1, rows: 0 }).selection.instances, 0);
  });

  it('Esc closes the prompt, then the screens one by one, then clears the filter', () => {
    let s = after(
      { type: 'set-filter', filter: 'alice' },
      { type: 'open', screen: { screen: 'help' } },
      { type: 'open', screen: { screen: 'text', title: 't', text: 'x' } },
      { type: 'start-prompt', prompt: 'command' },
    );
    assert.deepEqual(s.prompt, { prompt: 'command', text: '/' });
    s = reduce(s, { type: 'back' });
    assert.equal(s.prompt, undefined);
    assert.equal(topScreen(s).screen, 'text');
    s = reduce(s, { type: 'back' });
    assert.equal(topScreen(s).screen, 'help');
    s = reduce(s, { type: 'back' });
    assert.equal(topScreen(s).screen, 'table');
    assert.equal(s.filter, 'alice');
    assert.equal(reduce(s, { type: 'back' }).filter, '');
  });

  it('switching views closes the screens', () => {
    const s = after({ type: 'open', screen: { screen: 'help' } }, { type: 'show-view', view: 'pods' });
    assert.equal(s.view, 'pods');
    assert.deepEqual(s.stack, []);
  });

  it('a toggles between all namespaces and the context one; /ns picks one and resets the selection', () => {
    const all = after({ type: 'toggle-all-namespaces' });
    assert.equal(all.namespace, undefined);
    assert.equal(reduce(all, { type: 'toggle-all-namespaces' }).namespace, 'team-a');
    const other = after({ type: 'move', by: 2, rows: 5 }, { type: 'set-namespace', namespace: 'team-b' });
    assert.equal(other.namespace, 'team-b');
    assert.equal(other.selection.instances, 0);
  });

  it('the prompt takes typing only while open; a filter is set from it', () => {
    assert.equal(after({ type: 'prompt-input', text: 'x' }).prompt, undefined);
    const s = after(
      { type: 'start-prompt', prompt: 'filter' },
      { type: 'prompt-input', text: 'bo' },
      { type: 'set-filter', filter: 'bo' },
    );
    assert.equal(s.filter, 'bo');
    assert.equal(s.prompt, undefined);
  });

  it('c on the logs screen goes to the next container and wraps around; elsewhere it does nothing', () => {
    const logs = after({
      type: 'open',
      screen: {
        screen: 'logs',
        namespace: 'team-a',
        pod: 'p',
        containers: ['agent', 'ipc-bridge'],
        container: 0,
      },
    });
    const next = reduce(logs, { type: 'next-container' });
    assert.deepEqual(topScreen(next), { ...topScreen(logs), container: 1 });
    assert.deepEqual(topScreen(reduce(next, { type: 'next-container' })), topScreen(logs));
    assert.equal(reduce(start, { type: 'next-container' }), start);
  });
});
