// Server-sent events as the providers send them, and the splitting of text into stream deltas.
import type { ServerResponse } from 'node:http';

export function startEventStream(res: ServerResponse): void {
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
  });
}

/** One event: `event:` line when named (Responses, Anthropic), then its JSON `data:` line. */
export function writeEvent(res: ServerResponse, event: string | undefined, data: unknown): void {
  const payload = typeof data === 'string' ? data : JSON.stringify(data);
  res.write(`${event === undefined ? '' : `event: ${event}\n`}data: ${payload}\n\n`);
}

/** Text split at word ends, so a stream carries several deltas that join back exactly. */
export function splitText(text: string): string[] {
  return text.match(/\S+\s*|\s+/gu) ?? [];
}

/** Tool argument text split into (up to) three pieces, even when it is not valid JSON. */
export function splitArguments(text: string): string[] {
  const chars = Array.from(text);
  if (chars.length === 0) return [];
  const size = Math.max(1, Math.ceil(chars.length / 3));
  const pieces: string[] = [];
  for (let i = 0; i < chars.length; i += size) pieces.push(chars.slice(i, i + size).join(''));
  return pieces;
}
