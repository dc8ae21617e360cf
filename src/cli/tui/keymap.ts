// The TUI's keys, declared in one place: what each key does and on which screen. The help screen is
// drawn from this table and the one key dispatcher reads it, so the two cannot disagree.
import type { TuiState } from './tui-state.ts';
import { topScreen } from './tui-state.ts';
import { views } from './tui-views.ts';

/** What a key asks for; the app turns commands that need the cluster into I/O. */
export type KeyCommand =
  | { type: 'show-view'; view: (typeof views)[number]['id'] }
  | { type: 'next-view' }
  | { type: 'move'; by: number }
  | { type: 'details' }
  | { type: 'describe' }
  | { type: 'logs' }
  | { type: 'next-container' }
  | { type: 'delete' }
  | { type: 'confirm' }
  | { type: 'back' }
  | { type: 'help' }
  | { type: 'toggle-all-namespaces' }
  | { type: 'command-prompt' }
  | { type: 'filter-prompt' }
  | { type: 'quit' };

/** Where a binding applies: the table, the screens above it, or everywhere. */
export type KeyScope = 'table' | 'screen' | 'logs' | 'confirm' | 'any';

export interface KeyBinding {
  /** Key names as the dispatcher receives them: a character, or up/down/tab/return/escape. */
  keys: readonly string[];
  /** What the help screen shows for the keys. */
  label: string;
  description: string;
  scope: KeyScope;
  command: KeyCommand;
}

export const keymap: readonly KeyBinding[] = [
  ...views.map((view, index): KeyBinding => ({
    keys: [String(index + 1)],
    label: String(index + 1),
    description: `show ${view.title}`,
    scope: 'table',
    command: { type: 'show-view', view: view.id },
  })),
  { keys: ['tab'], label: 'Tab', description: 'next view', scope: 'table', command: { type: 'next-view' } },
  {
    keys: ['up', 'k'],
    label: '↑ k',
    description: 'select up',
    scope: 'table',
    command: { type: 'move', by: -1 },
  },
  {
    keys: ['down', 'j'],
    label: '↓ j',
    description: 'select down',
    scope: 'table',
    command: { type: 'move', by: 1 },
  },
  { keys: ['return'], label: 'Enter', description: 'details', scope: 'table', command: { type: 'details' } },
  { keys: ['d'], label: 'd', description: 'describe', scope: 'table', command: { type: 'describe' } },
  { keys: ['l'], label: 'l', description: 'logs of a pod or run', scope: 'table', command: { type: 'logs' } },
  {
    keys: ['c'],
    label: 'c',
    description: 'logs: next container',
    scope: 'logs',
    command: { type: 'next-container' },
  },
  {
    keys: ['x'],
    label: 'x',
    description: 'delete (asks first)',
    scope: 'table',
    command: { type: 'delete' },
  },
  { keys: ['y'], label: 'y', description: 'yes, delete', scope: 'confirm', command: { type: 'confirm' } },
  {
    keys: ['a'],
    label: 'a',
    description: 'all namespaces / the current one',
    scope: 'table',
    command: { type: 'toggle-all-namespaces' },
  },
  {
    keys: ['/', ':'],
    label: '/',
    description: 'command line',
    scope: 'table',
    command: { type: 'command-prompt' },
  },
  {
    keys: ['f'],
    label: 'f',
    description: 'filter by name',
    scope: 'table',
    command: { type: 'filter-prompt' },
  },
  { keys: ['escape'], label: 'Esc', description: 'back', scope: 'any', command: { type: 'back' } },
  { keys: ['?'], label: '?', description: 'help', scope: 'any', command: { type: 'help' } },
  { keys: ['q'], label: 'q', description: 'quit', scope: 'any', command: { type: 'quit' } },
];

function scopeOf(state: TuiState): KeyScope {
  const screen = topScreen(state).screen;
  if (screen === 'table') return 'table';
  if (screen === 'logs') return 'logs';
  return screen === 'confirm-delete' ? 'confirm' : 'screen';
}

/** The command a key means in the state's screen; undefined for keys that mean nothing there. */
export function commandForKey(state: TuiState, key: string): KeyCommand | undefined {
  const scope = scopeOf(state);
  return keymap.find((b) => (b.scope === scope || b.scope === 'any') && b.keys.includes(key))?.command;
}
