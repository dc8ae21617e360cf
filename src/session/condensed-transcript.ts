// A run's condensed transcript: what the run did (model, tool calls with their arguments and
// results, how it ended) cut to a bounded size, so a session's record stays small however long the
// run was. Pure: built from the run's events, stored by the session store.
import type { RunEvent } from '../api/index.ts';

export interface TranscriptToolCall {
  callId: string;
  tool: string;
  arguments: string;
  outcome: 'ok' | 'error' | 'refused';
  summary: string;
}

export interface CondensedTranscript {
  provider?: string;
  model?: string;
  status?: 'succeeded' | 'failed';
  error?: string;
  /** The first and the last tool calls, in call order. */
  toolCalls: TranscriptToolCall[];
  /** Tool calls left out between the first and the last ones kept. */
  omittedToolCalls: number;
  /** Some text was cut or some tool calls were left out. */
  truncated: boolean;
}

export interface TranscriptLimits {
  /** Tool calls kept at most (half from the start of the run, half from its end). */
  maxToolCalls: number;
  /** Characters kept of each argument, summary and error text. */
  maxTextLength: number;
}

export const defaultTranscriptLimits: TranscriptLimits = { maxToolCalls: 40, maxTextLength: 1024 };

const ellipsis = '…';

/** `text` cut to at most `max` UTF-16 units, ending in an ellipsis when cut, never half a surrogate pair. */
export function truncateText(text: string, max: number): string {
  if (text.length <= max) return text;
  if (max <= 0) return '';
  let end = max - ellipsis.length;
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end -= 1;
  return `${text.slice(0, Math.max(end, 0))}${ellipsis}`;
}

/** The condensed transcript of a run from its events (any order; duplicates by id count once). */
export function buildCondensedTranscript(
  events: readonly RunEvent[],
  limits: TranscriptLimits = defaultTranscriptLimits,
): CondensedTranscript {
  const seen = new Set<string>();
  const ordered = [...events]
    .sort((a, b) => a.seq - b.seq)
    .filter((event) => !seen.has(event.id) && seen.add(event.id));
  const cut = (text: string): string => truncateText(text, limits.maxTextLength);
  let truncated = false;
  const transcript: CondensedTranscript = { toolCalls: [], omittedToolCalls: 0, truncated: false };
  const calls: TranscriptToolCall[] = [];
  for (const { body } of ordered) {
    if (body.type === 'started') {
      transcript.provider = body.provider;
      transcript.model = body.model;
    } else if (body.type === 'tool_call') {
      const call = {
        callId: body.callId,
        tool: body.tool,
        arguments: cut(body.arguments),
        outcome: body.outcome,
        summary: cut(body.summary),
      };
      truncated ||= call.arguments !== body.arguments || call.summary !== body.summary;
      calls.push(call);
    } else if (body.type === 'completed') {
      transcript.status = body.result.status;
      if (body.result.error !== undefined) {
        transcript.error = cut(body.result.error);
        truncated ||= transcript.error !== body.result.error;
      }
    }
  }
  const max = Math.max(limits.maxToolCalls, 0);
  if (calls.length > max) {
    const head = Math.ceil(max / 2);
    transcript.toolCalls = [...calls.slice(0, head), ...calls.slice(calls.length - (max - head))];
    transcript.omittedToolCalls = calls.length - max;
    truncated = true;
  } else {
    transcript.toolCalls = calls;
  }
  transcript.truncated = truncated;
  return transcript;
}
