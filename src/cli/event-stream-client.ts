// A client of the API server's event streams (docs/api.md, "Event streams"): a WebSocket to a
// `…/events/watch` path, the bearer token offered as a subprotocol, each text frame one run event.
// A refused upgrade tells a WebSocket client nothing about why, so the stream then asks the same
// path without `/watch` (which needs the same rights) and says why in one sentence.
import { buildBearerProtocol, eventStreamProtocol, type RunEvent } from '../api/index.ts';
import { unreachableSentence, type ApiServerConnection } from './apiserver-connection.ts';

export interface EventStreamHandlers {
  /** The stream is open: the events that follow are the stored ones, then new ones. */
  onOpen?: () => void;
  onEvent: (event: RunEvent) => void;
  /** The stream ended: `opened` says whether it was ever open; `reason` is one sentence. */
  onEnd?: (ended: { opened: boolean; reason: string }) => void;
}

export interface EventStream {
  close(): void;
}

/** Why the API server refused a stream, from the answer of the same path without `/watch` (pure). */
export function explainStreamRefusal(status: number, body: unknown): string {
  const message =
    typeof body === 'object' && body !== null && typeof (body as { message?: unknown }).message === 'string'
      ? `: ${(body as { message: string }).message}`
      : '';
  if (status === 401) return `the API server did not accept the token (401)${message}`;
  if (status === 403) return `permission denied (403)${message}`;
  if (status === 404) return `not found (404)${message}`;
  if (status >= 200 && status < 300) return 'the API server closed the stream before it opened';
  return `the API server answered ${status}${message}`;
}

/** How a stream that was open ended, from its close code and reason (pure). */
export function describeStreamClose(code: number, reason: string): string {
  if (code === 1000) return reason || 'the stream ended';
  if (code === 1001) return `the API server is stopping${reason ? ` (${reason})` : ''}`;
  if (code === 1008) return 'the stream fell behind and was closed';
  return `the stream was lost (${code}${reason ? ` ${reason}` : ''})`;
}

export function openEventStream(
  connection: ApiServerConnection,
  /** `/api/v1/…/events/watch`. */
  path: string,
  handlers: EventStreamHandlers,
): EventStream {
  let closed = false;
  let opened = false;
  const end = (reason: string) => {
    if (closed) return;
    closed = true;
    handlers.onEnd?.({ opened, reason });
  };
  let socket: WebSocket | undefined;
  try {
    socket = new WebSocket(`${connection.url.replace(/^http/, 'ws')}${path}`, [
      eventStreamProtocol,
      buildBearerProtocol(connection.token),
    ]);
  } catch (error) {
    queueMicrotask(() => end(unreachableSentence(connection, error)));
    return { close: () => (closed = true) };
  }
  socket.addEventListener('open', () => {
    opened = true;
    if (!closed) handlers.onOpen?.();
  });
  socket.addEventListener('message', (message: MessageEvent) => {
    if (closed || typeof message.data !== 'string') return;
    let event: RunEvent;
    try {
      event = JSON.parse(message.data) as RunEvent;
    } catch {
      return;
    }
    handlers.onEvent(event);
  });
  socket.addEventListener('error', () => undefined);
  socket.addEventListener('close', (event: CloseEvent) => {
    if (closed) return;
    if (opened) return end(describeStreamClose(event.code, event.reason));
    void whyRefused(connection, path.replace(/\/watch$/, '')).then(end);
  });
  return {
    close() {
      closed = true;
      socket.close();
    },
  };
}

async function whyRefused(connection: ApiServerConnection, path: string): Promise<string> {
  try {
    const response = await fetch(`${connection.url}${path}`, {
      headers: { authorization: `Bearer ${connection.token}` },
      signal: AbortSignal.timeout(10_000),
    });
    const raw = await response.text();
    let body: unknown;
    try {
      body = JSON.parse(raw);
    } catch {
      body = undefined;
    }
    return explainStreamRefusal(response.status, body);
  } catch (error) {
    return unreachableSentence(connection, error);
  }
}
