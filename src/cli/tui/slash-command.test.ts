// The command line's grammar as a table: each line and the command (or the sentence) it gives.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseSlashCommand, type ParsedCommand } from './slash-command.ts';

const cases: [line: string, parsed: ParsedCommand][] = [
  ['/run say hello', { command: 'run', task: 'say hello' }],
  ['/run @alice say  hello', { command: 'run', instance: 'alice', task: 'say hello' }],
  ['/run', { error: 'a task is missing: /run [@instance] <task>' }],
  ['/run @alice', { error: 'a task is missing: /run [@instance] <task>' }],
  ['/run @ hi', { error: 'an instance name is missing after @: /run [@instance] <task>' }],
  [
    '/schedule alice */5 * * * * check the queue',
    { command: 'schedule', instance: 'alice', schedule: '*/5 * * * *', task: 'check the queue' },
  ],
  [
    '/schedule alice @hourly sweep',
    { command: 'schedule', instance: 'alice', schedule: '@hourly', task: 'sweep' },
  ],
  [
    '/schedule alice 0 3 * * *',
    { error: 'instance, cron and task are needed: /schedule <instance> <cron> <task>' },
  ],
  ['/memory alice', { command: 'memory', instance: 'alice' }],
  ['/memory', { error: 'one instance is needed: /memory <instance>' }],
  ['/instances', { command: 'view', view: 'instances' }],
  ['/runs', { command: 'view', view: 'runs' }],
  ['/channels', { command: 'view', view: 'channels' }],
  ['/schedules', { command: 'view', view: 'schedules' }],
  ['/pods', { command: 'view', view: 'pods' }],
  ['/delete run alice-hello', { command: 'delete', view: 'runs', name: 'alice-hello' }],
  ['/delete ci alice', { command: 'delete', view: 'instances', name: 'alice' }],
  ['/delete gadget x', { error: 'a type and a name are needed: /delete <type> <name>' }],
  ['/ns team-b', { command: 'namespace', namespace: 'team-b' }],
  ['/ns all', { command: 'namespace', namespace: undefined }],
  ['/filter hello', { command: 'filter', filter: 'hello' }],
  ['/filter', { command: 'filter', filter: '' }],
  ['/help', { command: 'help' }],
  ['/q', { command: 'quit' }],
  ['  runs  ', { command: 'view', view: 'runs' }],
  ['/teleport', { error: 'unknown command /teleport (press ? for help)' }],
  ['/runs extra', { error: 'unknown command /runs (press ? for help)' }],
];

describe('slash commands', () => {
  for (const [line, parsed] of cases)
    it(JSON.stringify(line), () => assert.deepEqual(parseSlashCommand(line), parsed));
});
