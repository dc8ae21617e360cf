// What a run's details show of its event stream: the feed's updates (the stream connecting, its
// events, its end, or why it cannot be followed) reduced to a log, and the log drawn as lines —
// the model's text as it was written, one line per tool call, status and the outcome. Pure.
import type { RunEvent } from '../../api/index.ts';

/** What the data layer tells a run's details about the run's event stream. */
export type RunFeedUpdate =
  | { type: 'connecting' }
  | { type: 'open' }
  | { type: 'event'; event: RunEvent }
  | { type: 'ended'; reason: string }
  | { type: 'unavailable'; reason: string };

type Entry = { kind: 'text'; text: string } | { kind: 'line'; text: string };

export interface RunEventLog {
  entries: readonly Entry[];
  /** The highest `seq` shown: an event again (a replay) is not shown twice. */
  lastSeq: number;
  /** The stream's state, shown under the events. */
  feed: 'connecting' | 'open' | { ended: string } | { unavailable: string };
}

export const emptyRunEventLog: RunEventLog = { entries: [], lastSeq: 0, feed: 'connecting' };

/** The log keeps this many entries; older ones scroll away. */
const entryLimit = 500;
/** A tool call's arguments and summary, cut for one line. */
const cut = (text: string, length: number) => {
  const line = text.replace(/\s+/g, ' ').trim();
  return [...line].length > length ? `${[...line].slice(0, length - 1).join('')}…` : line;
};
const label = (word: string) => word.padEnd(10);
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

function describeEvent(event: RunEvent): Entry | undefined {
  const { body } = event;
  switch (body.type) {
    case 'started':
      return { kind: 'line', text: `${label('started')}${body.provider}/${body.model}` };
    case 'chunk':
      return { kind: 'text', text: body.text };
    case 'tool_call':
      return {
        kind: 'line',
        text: `${label('tool')}${body.tool}(${cut(body.arguments, 60)}) ${body.outcome}${body.summary ? `: ${cut(body.summary, 120)}` : ''}`,
      };
    case 'status':
      return {
        kind: 'line',
        text: `${label('status')}${cut(body.message, 200)}${body.iteration === undefined ? '' : ` (iteration ${body.iteration})`}`,
      };
    case 'completed': {
      const { result } = body;
      const usage = `${result.usage.input} in / ${result.usage.output} out tokens, ${plural(result.toolCalls, 'tool call')}`;
      if (result.status === 'succeeded') return { kind: 'line', text: `${label('succeeded')}${usage}` };
      const why = [result.reason, result.error && cut(result.error, 200)].filter(Boolean).join(': ');
      return { kind: 'line', text: `${label('failed')}${why ? `${why}; ` : ''}${usage}` };
    }
  }
}

export function reduceRunFeed(log: RunEventLog, update: RunFeedUpdate): RunEventLog {
  switch (update.type) {
    case 'connecting':
      return { ...log, feed: 'connecting' };
    case 'open':
      return { ...log, feed: 'open' };
    case 'ended':
      return { ...log, feed: { ended: update.reason } };
    case 'unavailable':
      return { ...log, feed: { unavailable: update.reason } };
    case 'event': {
      const { event } = update;
      if (event.seq <= log.lastSeq) return log;
      const entry = describeEvent(event);
      if (!entry) return { ...log, lastSeq: event.seq };
      const last = log.entries.at(-1);
      // the model's text arrives in chunks: they make one block until something else happens
      const entries =
        entry.kind === 'text' && last?.kind === 'text'
          ? [...log.entries.slice(0, -1), { kind: 'text' as const, text: last.text + entry.text }]
          : [...log.entries, entry];
      return { ...log, entries: entries.slice(-entryLimit), lastSeq: event.seq };
    }
  }
}

/** The log as lines: each entry, the text indented, then the stream's state. */
export function runEventLines(log: RunEventLog): string[] {
  const lines = log.entries.flatMap((entry) =>
    entry.kind === 'line' ? [entry.text] : entry.text.split('\n').map((line) => `  ${line}`),
  );
  const { feed } = log;
  if (feed === 'connecting') lines.push('(connecting to the K8sClaw API server for live events…)');
  else if (feed === 'open') {
    if (log.entries.length === 0) lines.push('(no events yet)');
  } else if ('ended' in feed) lines.push(`(events ended: ${feed.ended})`);
  else lines.push(`(no live events: ${feed.unavailable})`, "(the details above are the AgentRun's status)");
  return lines;
}
