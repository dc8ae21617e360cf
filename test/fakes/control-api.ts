// The control API every chat-service stand-in serves beside its service's own routes, so tests that
// cannot call the stand-in in-process (it runs as a Deployment in the local cluster) can drive it:
//   POST /_control/messages   a person sends a message (the stand-in's own message shape)
//   GET  /_control/calls      every call the bot made, in order
//   POST /_control/faults     { method, faults: [{ status, retryAfterSeconds? }] }: the next calls fail
import type http from 'node:http';

export interface ControlFault {
  status: number;
  retryAfterSeconds?: number;
}

export interface ControlTarget {
  /** Takes a person's message; answers what the test gets back (ids, a webhook's status). */
  pushMessage(body: unknown, query: URLSearchParams): Promise<unknown> | unknown;
  calls(): readonly unknown[];
  failNext(method: string, faults: ControlFault[]): void;
}

const maxBodyBytes = 1024 * 1024;

async function readJson(request: http.IncomingMessage): Promise<unknown> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBodyBytes) throw new Error('body too large');
    chunks.push(chunk);
  }
  return JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as unknown;
}

function reply(response: http.ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

function isFaultList(value: unknown): value is ControlFault[] {
  return (
    Array.isArray(value) &&
    value.every(
      (fault) =>
        typeof fault === 'object' &&
        fault !== null &&
        Number.isInteger((fault as ControlFault).status) &&
        ((fault as ControlFault).retryAfterSeconds === undefined ||
          typeof (fault as ControlFault).retryAfterSeconds === 'number'),
    )
  );
}

/** Answers a control request and says true, or says false for any other path. */
export function handleControlRequest(
  request: http.IncomingMessage,
  response: http.ServerResponse,
  target: ControlTarget,
): boolean {
  const url = new URL(request.url ?? '/', 'http://stand-in');
  if (!url.pathname.startsWith('/_control/')) return false;
  const route = `${request.method ?? 'GET'} ${url.pathname}`;
  const handle = async () => {
    if (route === 'GET /_control/calls') return reply(response, 200, { calls: target.calls() });
    if (route === 'POST /_control/messages') {
      return reply(response, 200, await target.pushMessage(await readJson(request), url.searchParams));
    }
    if (route === 'POST /_control/faults') {
      const body = (await readJson(request)) as { method?: unknown; faults?: unknown };
      if (typeof body.method !== 'string' || !isFaultList(body.faults)) {
        return reply(response, 400, {
          error: 'want { method: string, faults: [{ status, retryAfterSeconds? }] }',
        });
      }
      target.failNext(body.method, body.faults);
      return reply(response, 200, { queued: body.faults.length });
    }
    return reply(response, 404, { error: `no control route ${route}` });
  };
  handle().catch((error: unknown) => {
    if (!response.headersSent) reply(response, 400, { error: String(error) });
  });
  return true;
}
