// The TUI's command line: `/run <task>`, `/schedule <instance> <cron> <task>`, `/memory <instance>`,
// view switches, `/delete <type> <name>`, `/ns <namespace|all>` and `/filter <text>`, parsed into
// one command or one sentence saying what is wrong. Pure.
import type { ViewId } from './tui-views.ts';

export type SlashCommand =
  | { command: 'run'; instance?: string; task: string }
  | { command: 'schedule'; instance: string; schedule: string; task: string }
  | { command: 'memory'; instance: string }
  | { command: 'view'; view: ViewId }
  | { command: 'delete'; view: ViewId; name: string }
  | { command: 'namespace'; namespace: string | undefined }
  | { command: 'filter'; filter: string }
  | { command: 'help' }
  | { command: 'quit' };

export type ParsedCommand = SlashCommand | { error: string };

/** Singular, plural and short names of what /delete and the view commands accept. */
const viewNames: Record<string, ViewId> = {
  instance: 'instances',
  instances: 'instances',
  ci: 'instances',
  run: 'runs',
  runs: 'runs',
  ar: 'runs',
  policy: 'policies',
  policies: 'policies',
  cp: 'policies',
  skill: 'skills',
  skills: 'skills',
  skillpack: 'skills',
  sp: 'skills',
  channel: 'channels',
  channels: 'channels',
  pod: 'pods',
  pods: 'pods',
  schedule: 'schedules',
  schedules: 'schedules',
  cs: 'schedules',
};

const usage: Record<string, string> = {
  run: '/run [@instance] <task>',
  schedule: '/schedule <instance> <cron> <task>',
  memory: '/memory <instance>',
  delete: '/delete <type> <name>',
  ns: '/ns <namespace|all>',
};

/** A cron expression: one @-macro, or five fields. */
function splitCron(words: string[]): { schedule: string; rest: string[] } | undefined {
  if (words[0]?.startsWith('@')) return { schedule: words[0], rest: words.slice(1) };
  if (words.length < 5) return undefined;
  return { schedule: words.slice(0, 5).join(' '), rest: words.slice(5) };
}

export function parseSlashCommand(line: string): ParsedCommand {
  const text = line.trim().replace(/^\//, '');
  const [name = '', ...words] = text.split(/\s+/).filter(Boolean);
  const rest = words.join(' ');
  const wrong = (what: string) => ({ error: `${what}: ${usage[name] ?? `/${name}`}` });
  switch (name) {
    case 'run': {
      const instance = words[0]?.startsWith('@') ? words[0].slice(1) : undefined;
      const task = (instance === undefined ? words : words.slice(1)).join(' ');
      if (!task) return wrong('a task is missing');
      if (instance === '') return wrong('an instance name is missing after @');
      return instance ? { command: 'run', instance, task } : { command: 'run', task };
    }
    case 'schedule': {
      const [instance, ...after] = words;
      const cron = splitCron(after);
      if (!instance || !cron || cron.rest.length === 0) return wrong('instance, cron and task are needed');
      return { command: 'schedule', instance, schedule: cron.schedule, task: cron.rest.join(' ') };
    }
    case 'memory':
      return words.length === 1
        ? { command: 'memory', instance: words[0]! }
        : wrong('one instance is needed');
    case 'delete': {
      const view = viewNames[words[0] ?? ''];
      if (!view || words.length !== 2) return wrong('a type and a name are needed');
      return { command: 'delete', view, name: words[1]! };
    }
    case 'ns':
    case 'namespace':
      if (words.length !== 1) return wrong('one namespace is needed');
      return { command: 'namespace', namespace: words[0] === 'all' ? undefined : words[0] };
    case 'filter':
      return { command: 'filter', filter: rest };
    case 'help':
      return { command: 'help' };
    case 'q':
    case 'quit':
      return { command: 'quit' };
    default: {
      const view = viewNames[name];
      if (view && words.length === 0) return { command: 'view', view };
      return { error: `unknown command /${name} (press ? for help)` };
    }
  }
}
