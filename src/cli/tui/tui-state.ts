// The TUI's state and its one reducer: the view shown, the selected row per view, the filter, the
// namespace (one, or all), the prompt being typed and the stack of screens above the table
// (details, describe, help, a delete confirmation). Pure: action in, state out.
import { views, type ViewId } from './tui-views.ts';

export type Screen =
  | { screen: 'table' }
  | { screen: 'help' }
  | { screen: 'details'; view: ViewId; key: string }
  /** A run's details and its live events; `key` is `namespace/name`. */
  | { screen: 'run'; key: string }
  | { screen: 'describe'; view: ViewId; key: string }
  | { screen: 'logs'; namespace: string; pod: string; containers: string[]; container: number }
  | { screen: 'text'; title: string; text: string }
  | { screen: 'confirm-delete'; view: ViewId; key: string };

export type Prompt = { prompt: 'command' | 'filter'; text: string } | undefined;

export interface TuiState {
  view: ViewId;
  /** The selected row of each view, by index into its rows. */
  selection: Record<ViewId, number>;
  filter: string;
  /** undefined: all namespaces. */
  namespace: string | undefined;
  /** The namespace of the kube context, to switch back to from all namespaces. */
  homeNamespace: string;
  prompt: Prompt;
  /** Screens shown over the table; the last one is on top. */
  stack: Screen[];
  /** One line for the user: what a command did, or why it failed. */
  message: string | undefined;
}

export type TuiAction =
  | { type: 'show-view'; view: ViewId }
  | { type: 'next-view' }
  | { type: 'move'; by: number; rows: number }
  | { type: 'open'; screen: Screen }
  | { type: 'back' }
  | { type: 'toggle-all-namespaces' }
  | { type: 'set-namespace'; namespace: string | undefined }
  | { type: 'start-prompt'; prompt: 'command' | 'filter' }
  | { type: 'prompt-input'; text: string }
  | { type: 'cancel-prompt' }
  | { type: 'set-filter'; filter: string }
  | { type: 'message'; message: string | undefined }
  | { type: 'next-container' };

/** The table of view 1 in `namespace`, or in all namespaces with `allNamespaces`. */
export function initialState(namespace: string, allNamespaces = false): TuiState {
  return {
    view: 'instances',
    selection: Object.fromEntries(views.map((v) => [v.id, 0])) as Record<ViewId, number>,
    filter: '',
    namespace: allNamespaces ? undefined : namespace,
    homeNamespace: namespace,
    prompt: undefined,
    stack: [],
    message: undefined,
  };
}

/** The screen on top: the table when nothing is opened over it. */
export function topScreen(state: TuiState): Screen {
  return state.stack.at(-1) ?? { screen: 'table' };
}

export function reduce(state: TuiState, action: TuiAction): TuiState {
  switch (action.type) {
    case 'show-view':
      return { ...state, view: action.view, stack: [], message: undefined };
    case 'next-view': {
      const index = views.findIndex((v) => v.id === state.view);
      return reduce(state, { type: 'show-view', view: views[(index + 1) % views.length]!.id });
    }
    case 'move': {
      const last = Math.max(0, action.rows - 1);
      const selected = Math.min(last, Math.max(0, state.selection[state.view] + action.by));
      return { ...state, selection: { ...state.selection, [state.view]: selected } };
    }
    case 'open':
      return { ...state, stack: [...state.stack, action.screen], message: undefined };
    case 'back':
      if (state.prompt) return { ...state, prompt: undefined };
      if (state.stack.length > 0) return { ...state, stack: state.stack.slice(0, -1) };
      // Esc on the table clears the filter first, as k9s does
      return { ...state, filter: '', message: undefined };
    case 'toggle-all-namespaces':
      return reduce(state, {
        type: 'set-namespace',
        namespace: state.namespace === undefined ? state.homeNamespace : undefined,
      });
    case 'set-namespace':
      return {
        ...state,
        namespace: action.namespace,
        selection: Object.fromEntries(views.map((v) => [v.id, 0])) as Record<ViewId, number>,
      };
    case 'start-prompt':
      return { ...state, prompt: { prompt: action.prompt, text: action.prompt === 'command' ? '/' : '' } };
    case 'prompt-input':
      return state.prompt ? { ...state, prompt: { ...state.prompt, text: action.text } } : state;
    case 'cancel-prompt':
      return { ...state, prompt: undefined };
    case 'set-filter':
      return {
        ...state,
        filter: action.filter,
        prompt: undefined,
        selection: { ...state.selection, [state.view]: 0 },
      };
    case 'message':
      return { ...state, message: action.message };
    case 'next-container': {
      const top = state.stack.at(-1);
      if (top?.screen !== 'logs') return state;
      const next = { ...top, container: (top.container + 1) % top.containers.length };
      return { ...state, stack: [...state.stack.slice(0, -1), next] };
    }
  }
}
