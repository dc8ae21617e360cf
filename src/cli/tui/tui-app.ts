// The TUI's Ink components: a header (context, namespace, the views), the selected view's table (or
// the screen on top of it: details (a run's with its live events), describe, logs, help, a delete
// confirmation) and a footer with the command line or the last message. State lives in the reducer
// (tui-state.ts), keys go through the keymap (keymap.ts), rows come from the pure view renderers
// (tui-views.ts). Written with React.createElement, as Node runs .ts files without a JSX transform.
import { Box, Text, useApp, useInput, useWindowSize, type Key } from 'ink';
import React, { useEffect, useReducer, useState } from 'react';
import type { AgentRun } from '../../api/index.ts';
import type { V1Pod } from '../../kube/index.ts';
import { formatTable } from '../render/format-table.ts';
import { commandForKey, keymap, type KeyCommand } from './keymap.ts';
import { emptyRunEventLog, reduceRunFeed, runEventLines, type RunEventLog } from './run-event-log.ts';
import { parseSlashCommand } from './slash-command.ts';
import { runDetails, type TuiActions } from './tui-actions.ts';
import type { TuiSource } from './tui-data.ts';
import { initialState, reduce, topScreen, type Screen, type TuiState } from './tui-state.ts';
import { viewById, viewHeaders, viewRows, views, type TableRow, type TuiObject } from './tui-views.ts';

const h = React.createElement;

export interface TuiAppProps {
  data: TuiSource;
  /** Absent in tests that only look: commands that change the cluster then say so. */
  actions?: TuiActions;
  context: string;
  /** The kube context's namespace (or -n): shown first, and where `a` comes back to. */
  namespace: string;
  /** -A: start with all namespaces. */
  allNamespaces?: boolean;
  now: () => Date;
  /** NO_COLOR: attributes (inverse, bold) only. */
  colour: boolean;
}

/** The key names of the keymap, from Ink's parsed input. */
export function keyName(input: string, key: Key): string {
  if (key.upArrow) return 'up';
  if (key.downArrow) return 'down';
  if (key.tab) return 'tab';
  if (key.return) return 'return';
  if (key.escape) return 'escape';
  return input;
}

/** A line cut to the terminal's width, so a narrow terminal never wraps the table. */
const fit = (line: string, width: number) =>
  [...line].length > width ? [...line].slice(0, width).join('') : line;

function useDataVersion(data: TuiSource): number {
  const [version, setVersion] = useState(0);
  useEffect(() => data.subscribe(() => setVersion((v) => v + 1)), [data]);
  return version;
}

export function TuiApp(props: TuiAppProps): React.ReactElement {
  const { data, actions, now, colour } = props;
  const app = useApp();
  const { columns, rows: height } = useWindowSize();
  const [state, dispatch] = useReducer(reduce, props, (p) =>
    initialState(p.namespace, p.allNamespaces ?? false),
  );
  useDataVersion(data);
  const view = viewById(state.view);
  useEffect(() => data.watch(view.resource, state.namespace), [data, view, state.namespace]);
  const snapshot = data.snapshot(view.resource, state.namespace);
  const rows = viewRows(view, snapshot.objects, {
    namespace: state.namespace,
    filter: state.filter,
    now: now(),
  });
  const selectedRow: TableRow | undefined = rows[state.selection[state.view]];
  const selectedObject = (key: string | undefined): TuiObject | undefined =>
    snapshot.objects.find((o) => `${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}` === key);
  const say = (message: string) => dispatch({ type: 'message', message });
  const show = (title: string, text: string) =>
    dispatch({ type: 'open', screen: { screen: 'text', title, text } });
  const attempt = (work: (a: TuiActions) => Promise<void>) => {
    if (!actions) return say('read-only: no cluster actions here');
    work(actions).catch((error: unknown) => say(`Error: ${(error as Error).message}`));
  };
  const namespaceFor = (name?: string) => state.namespace ?? name ?? state.homeNamespace;

  const runCommand = (line: string) => {
    dispatch({ type: 'cancel-prompt' });
    const parsed = parseSlashCommand(line);
    if ('error' in parsed) return say(parsed.error);
    const selected = selectedObject(selectedRow?.key);
    switch (parsed.command) {
      case 'view':
        return dispatch({ type: 'show-view', view: parsed.view });
      case 'namespace':
        return dispatch({ type: 'set-namespace', namespace: parsed.namespace });
      case 'filter':
        return dispatch({ type: 'set-filter', filter: parsed.filter });
      case 'help':
        return dispatch({ type: 'open', screen: { screen: 'help' } });
      case 'quit':
        return app.exit();
      case 'run': {
        const instance =
          parsed.instance ?? (state.view === 'instances' ? selected?.metadata?.name : undefined);
        if (!instance) return say('select an instance in view 1, or name one: /run @<instance> <task>');
        const namespace = parsed.instance ? namespaceFor() : namespaceFor(selected?.metadata?.namespace);
        return attempt(async (a) => say(await a.createRun(namespace, instance, parsed.task)));
      }
      case 'schedule':
        return attempt(async (a) =>
          say(await a.createSchedule(namespaceFor(), parsed.instance, parsed.schedule, parsed.task)),
        );
      case 'memory':
        return attempt(async (a) =>
          show(`memory of ${parsed.instance}`, await a.memory(namespaceFor(), parsed.instance)),
        );
      case 'delete':
        return attempt(async (a) => say(await a.delete(viewById(parsed.view), namespaceFor(), parsed.name)));
    }
  };

  const perform = (command: KeyCommand) => {
    const screen = topScreen(state);
    const selected = selectedObject(selectedRow?.key);
    switch (command.type) {
      case 'show-view':
      case 'next-view':
      case 'back':
      case 'toggle-all-namespaces':
        return dispatch(command);
      case 'move':
        return dispatch({ type: 'move', by: command.by, rows: rows.length });
      case 'help':
        return dispatch({ type: 'open', screen: { screen: 'help' } });
      case 'command-prompt':
        return dispatch({ type: 'start-prompt', prompt: 'command' });
      case 'filter-prompt':
        return dispatch({ type: 'start-prompt', prompt: 'filter' });
      case 'quit':
        return app.exit();
      case 'details':
        if (!selected) return;
        if (state.view === 'runs')
          return dispatch({ type: 'open', screen: { screen: 'run', key: selectedRow!.key } });
        if (state.view === 'instances')
          return attempt(async (a) =>
            show(
              `memory of ${selected.metadata?.name}`,
              await a.memory(namespaceFor(selected.metadata?.namespace), selected.metadata?.name ?? ''),
            ),
          );
        return attempt(async (a) => show(`describe ${selected.metadata?.name}`, await a.describe(selected)));
      case 'describe':
        if (!selected) return;
        return attempt(async (a) => show(`describe ${selected.metadata?.name}`, await a.describe(selected)));
      case 'logs':
        if (!selected) return;
        return attempt(async (a) => {
          const pod = state.view === 'runs' ? await a.runPod(selected as AgentRun) : (selected as V1Pod);
          if (!pod || state.view === 'instances' || (view.kind && state.view !== 'runs'))
            return say('logs: select a pod, a channel or a run that has a pod');
          const containers = [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])].map(
            (c) => c.name,
          );
          // an agent pod's agent container first: that is the log one looks for
          const first = Math.max(0, containers.indexOf('agent'));
          dispatch({
            type: 'open',
            screen: {
              screen: 'logs',
              namespace: pod.metadata?.namespace ?? '',
              pod: pod.metadata?.name ?? '',
              containers,
              container: first,
            },
          });
        });
      case 'next-container':
        return dispatch({ type: 'next-container' });
      case 'delete':
        if (!selectedRow) return;
        return dispatch({
          type: 'open',
          screen: { screen: 'confirm-delete', view: state.view, key: selectedRow.key },
        });
      case 'confirm': {
        if (screen.screen !== 'confirm-delete') return;
        dispatch({ type: 'back' });
        const [namespace = '', name = ''] = screen.key.split('/');
        return attempt(async (a) => say(await a.delete(viewById(screen.view), namespace, name)));
      }
    }
  };

  useInput((input, key) => {
    if (state.prompt) {
      if (key.escape) return dispatch({ type: 'cancel-prompt' });
      if (key.return) {
        if (state.prompt.prompt === 'filter')
          return dispatch({ type: 'set-filter', filter: state.prompt.text });
        return runCommand(state.prompt.text);
      }
      if (key.backspace || key.delete)
        return dispatch({ type: 'prompt-input', text: state.prompt.text.slice(0, -1) });
      if (input && !key.ctrl && !key.meta)
        return dispatch({ type: 'prompt-input', text: state.prompt.text + input });
      return;
    }
    const command = commandForKey(state, keyName(input, key));
    if (command) return perform(command);
    // a command pasted, or typed faster than one key a read, arrives as one piece: its first key
    // opens the command line or the filter and the rest is typed into it
    const opens = input.length > 1 && !key.ctrl && !key.meta ? commandForKey(state, input[0]!) : undefined;
    if (opens?.type === 'command-prompt' || opens?.type === 'filter-prompt') {
      const prompt = opens.type === 'command-prompt' ? 'command' : 'filter';
      dispatch({ type: 'start-prompt', prompt });
      dispatch({ type: 'prompt-input', text: `${prompt === 'command' ? '/' : ''}${input.slice(1)}` });
    }
  });

  return h(
    Box,
    { flexDirection: 'column', width: columns },
    h(Header, { state, context: props.context, colour, width: columns }),
    h(Body, {
      state,
      data,
      actions,
      rows,
      snapshot,
      colour,
      width: columns,
      height: Math.max(3, height - 4),
      viewTitle: view.title,
    }),
    h(Footer, { state, width: columns }),
  );
}

function Header(p: { state: TuiState; context: string; colour: boolean; width: number }): React.ReactElement {
  const ns = p.state.namespace ?? 'all namespaces';
  const tabs = views.map((v, i) => `${i + 1}:${v.title}`);
  return h(
    Box,
    { flexDirection: 'column' },
    h(
      Text,
      { bold: true, ...(p.colour ? { color: 'cyan' } : {}) },
      fit(`K8sClaw  ${p.context}  ${ns}${p.state.filter ? `  filter: ${p.state.filter}` : ''}`, p.width),
    ),
    h(
      Text,
      {},
      ...tabs.map((t, i) =>
        h(Text, { key: t, inverse: views[i]!.id === p.state.view }, `${i === 0 ? '' : ' '}${t}`),
      ),
    ),
  );
}

function Body(p: {
  state: TuiState;
  data: TuiSource;
  actions: TuiActions | undefined;
  rows: TableRow[];
  snapshot: ReturnType<TuiSource['snapshot']>;
  colour: boolean;
  width: number;
  height: number;
  viewTitle: string;
}): React.ReactElement {
  const screen = topScreen(p.state);
  if (screen.screen === 'help') return h(HelpScreen, { width: p.width });
  if (screen.screen === 'logs')
    return h(LogsScreen, { screen, actions: p.actions, width: p.width, height: p.height });
  if (screen.screen === 'run') {
    const run = p.snapshot.objects.find(
      (o) => `${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}` === screen.key,
    ) as AgentRun | undefined;
    return h(RunDetailsScreen, { runKey: screen.key, run, data: p.data, width: p.width, height: p.height });
  }
  if (screen.screen === 'text') {
    const lines = screen.text.split('\n').slice(0, p.height - 1);
    return h(
      Box,
      { flexDirection: 'column' },
      h(Text, { bold: true }, fit(screen.title, p.width)),
      ...lines.map((l, i) => h(Text, { key: i }, fit(l, p.width) || ' ')),
    );
  }
  if (screen.screen === 'confirm-delete')
    return h(Text, { bold: true }, fit(`Delete ${screen.key}? y: yes, Esc: no`, p.width));
  if (p.snapshot.error)
    return h(
      Box,
      { flexDirection: 'column' },
      h(Text, p.colour ? { color: 'red' } : {}, fit(p.snapshot.error, p.width)),
      ...(p.state.namespace === undefined
        ? [h(Text, { key: 'hint' }, fit(`a: only namespace ${p.state.homeNamespace}`, p.width))]
        : []),
    );
  if (!p.snapshot.synced) return h(Text, {}, `Loading ${p.viewTitle}…`);
  const view = viewById(p.state.view);
  const headers = viewHeaders(view, p.state.namespace === undefined);
  if (p.rows.length === 0)
    return h(
      Text,
      {},
      `No ${p.viewTitle.toLowerCase()}${p.state.namespace ? ` in ${p.state.namespace}` : ''}.`,
    );
  const lines = formatTable(
    headers,
    p.rows.map((r) => r.cells),
  ).split('\n');
  const selected = p.state.selection[p.state.view];
  // keep the selected row in the window of rows that fit
  const visible = p.height - 1;
  const first = Math.max(0, Math.min(selected - visible + 1, p.rows.length - visible));
  return h(
    Box,
    { flexDirection: 'column' },
    h(Text, { bold: true }, fit(lines[0] ?? '', p.width)),
    ...lines
      .slice(1 + first, 1 + first + visible)
      .map((line, i) =>
        h(Text, { key: p.rows[first + i]!.key, inverse: first + i === selected }, fit(line, p.width)),
      ),
  );
}

/** A line broken into pieces of at most `width` characters. */
function wrap(line: string, width: number): string[] {
  const chars = [...line];
  if (chars.length <= width) return [line];
  return Array.from({ length: Math.ceil(chars.length / width) }, (_, i) =>
    chars.slice(i * width, (i + 1) * width).join(''),
  );
}

/** The fewest event lines a run's details keep room for, however long its result. */
const eventRowsMin = 6;

/**
 * A run's details as its AgentRun says (followed by the Runs view's watch) and, under them, its
 * events as the API server streams them; the stream ends when the screen closes.
 */
function RunDetailsScreen(p: {
  runKey: string;
  run: AgentRun | undefined;
  data: TuiSource;
  width: number;
  height: number;
}): React.ReactElement {
  const [namespace = '', name = ''] = p.runKey.split('/');
  const [log, setLog] = useState<RunEventLog>(emptyRunEventLog);
  useEffect(() => {
    setLog(emptyRunEventLog);
    return p.data.followRunEvents({ namespace, name }, (update) =>
      setLog((before) => reduceRunFeed(before, update)),
    );
  }, [p.data, namespace, name]);
  const details = p.run ? runDetails(p.run).split('\n') : [`Run ${p.runKey} is gone.`];
  const room = p.height - 2;
  // event lines wrap (a reason or the model's text is read whole), the details are cut
  const events = runEventLines(log).flatMap((line) => wrap(line, p.width));
  const shownDetails = details.slice(
    0,
    Math.max(0, room - Math.max(eventRowsMin, Math.min(events.length, room - details.length))),
  );
  const shownEvents = events.slice(-(room - shownDetails.length));
  return h(
    Box,
    { flexDirection: 'column' },
    ...shownDetails.map((l, i) => h(Text, { key: `d${i}`, bold: i === 0 }, fit(l, p.width) || ' ')),
    h(Text, { bold: true }, fit('Events:', p.width)),
    ...shownEvents.map((l, i) => h(Text, { key: `e${i}` }, fit(l, p.width) || ' ')),
  );
}

const logLineLimit = 1000;

/** One container's log, followed while the screen is shown; `c` switches the container. */
function LogsScreen(p: {
  screen: Extract<Screen, { screen: 'logs' }>;
  actions: TuiActions | undefined;
  width: number;
  height: number;
}): React.ReactElement {
  const { namespace, pod, containers, container } = p.screen;
  const name = containers[container] ?? '';
  const [lines, setLines] = useState<string[]>([]);
  const [ended, setEnded] = useState<string | undefined>();
  useEffect(() => {
    setLines([]);
    setEnded(undefined);
    if (!p.actions || !name) return;
    const abort = new AbortController();
    let partial = '';
    p.actions
      .followLog(
        { namespace, name: pod, container: name },
        (text) => {
          const parts = (partial + text).split('\n');
          partial = parts.pop() ?? '';
          setLines((before) => [...before, ...parts].slice(-logLineLimit));
        },
        abort.signal,
      )
      .then(
        () => setEnded('(log ended)'),
        (error: unknown) => setEnded(`(${(error as Error).message})`),
      );
    return () => abort.abort();
  }, [p.actions, namespace, pod, name]);
  const shown = [...lines, ...(ended ? [ended] : [])].slice(-(p.height - 1));
  return h(
    Box,
    { flexDirection: 'column' },
    h(
      Text,
      { bold: true },
      fit(
        `logs ${pod} [${containers.map((c, i) => (i === container ? `*${c}*` : c)).join(' ')}]  c: next container`,
        p.width,
      ),
    ),
    ...shown.map((line, i) => h(Text, { key: i }, fit(line, p.width) || ' ')),
  );
}

function HelpScreen(p: { width: number }): React.ReactElement {
  // two bindings a line, so that the whole keymap fits in 24 rows
  const cells = keymap.map((b) => `${b.label.padEnd(6)} ${b.description}`);
  const half = Math.floor(p.width / 2);
  const lines = Array.from({ length: Math.ceil(cells.length / 2) }, (_, i) =>
    fit(`${fit(cells[2 * i]!, half - 1).padEnd(half)}${cells[2 * i + 1] ?? ''}`, p.width),
  );
  return h(
    Box,
    { flexDirection: 'column' },
    h(Text, { bold: true }, 'Keys'),
    ...lines.map((line, i) => h(Text, { key: i }, line)),
    h(
      Text,
      {},
      fit('/run [@instance] <task>   /schedule <instance> <cron> <task>   /memory <instance>', p.width),
    ),
    h(Text, {}, fit('/instances /runs /channels /schedules   /delete <type> <name>', p.width)),
    h(Text, {}, fit('/ns <namespace|all>   /filter <text>   /help   /quit', p.width)),
  );
}

function Footer(p: { state: TuiState; width: number }): React.ReactElement {
  if (p.state.prompt)
    return h(
      Text,
      {},
      fit(`${p.state.prompt.prompt === 'filter' ? 'filter: ' : ''}${p.state.prompt.text}█`, p.width),
    );
  return h(Text, { dimColor: true }, fit(p.state.message ?? '? help  / command  q quit', p.width));
}
