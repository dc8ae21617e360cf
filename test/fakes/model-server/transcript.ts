// The conversation a model request carried, as role and text per message with the system prompt
// left out: what the in-cluster server logs per request, so a test on the cluster can read the
// prompt each turn was sent without access to the server's memory.
import { contentText } from './format.ts';
import type { RecordedRequest } from './server.ts';

export interface TranscriptMessage {
  role: string;
  text: string;
}

/** Longest text kept per message: enough for a test's sentences, short for a log line. */
export const TRANSCRIPT_TEXT_LIMIT = 2000;
const TEXT_PARTS = ['text', 'input_text', 'output_text'];
const SYSTEM_ROLES = ['system', 'developer'];

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The request's non-system messages in order; empty when the body held none. */
export function transcriptOf(request: Pick<RecordedRequest, 'format' | 'body'>): TranscriptMessage[] {
  if (!isObject(request.body)) return [];
  const body = request.body;
  const entries: unknown =
    request.format === 'openai-responses'
      ? typeof body.input === 'string'
        ? [{ role: 'user', content: body.input }]
        : body.input
      : body.messages;
  if (!Array.isArray(entries)) return [];
  return entries
    .filter((entry): entry is Json => isObject(entry) && typeof entry.role === 'string')
    .filter((entry) => !SYSTEM_ROLES.includes(entry.role as string))
    .map((entry) => ({
      role: entry.role as string,
      text: contentText(entry.content, TEXT_PARTS).slice(0, TRANSCRIPT_TEXT_LIMIT),
    }));
}
