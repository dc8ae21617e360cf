// A loopback HTTP server for the adapter tests: answers each request with the next scripted reply
// (recorded SSE or JSON bodies from this folder) and records what the adapter sent.
import { readFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  /** Path and query, e.g. `/v1/chat/completions`. */
  url: string;
  headers: IncomingHttpHeaders;
  body: unknown;
}

export interface Reply {
  status?: number;
  headers?: Record<string, string>;
  body?: string;
  /** Write `body`, then keep the response open until the client goes away. */
  hang?: boolean;
  /** Answer nothing at all: not even the status line. */
  stall?: boolean;
}

export interface FixtureServer {
  /** `http://127.0.0.1:<port>` */
  origin: string;
  requests: RecordedRequest[];
  /** Resolves when a client closed a response that was left open (`hang`). */
  clientGone: Promise<void>;
  close(): Promise<void>;
}

export function fixture(name: string): string {
  return readFileSync(new URL(name, import.meta.url), 'utf8');
}

export function fixtureJson(name: string): unknown {
  return JSON.parse(fixture(name));
}

export const sse = (body: string): Reply => ({
  status: 200,
  headers: { 'content-type': 'text/event-stream' },
  body,
});

export const json = (status: number, body: unknown, headers: Record<string, string> = {}): Reply => ({
  status,
  headers: { 'content-type': 'application/json', ...headers },
  body: JSON.stringify(body),
});

/** Serves `replies` in order; the last one answers every further request. */
export async function startFixtureServer(replies: Reply[]): Promise<FixtureServer> {
  const requests: RecordedRequest[] = [];
  let markGone: () => void = () => {};
  const clientGone = new Promise<void>((resolve) => (markGone = resolve));
  const open = new Set<ServerResponse>();

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      requests.push({
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: text ? (JSON.parse(text) as unknown) : undefined,
      });
      const reply = replies[Math.min(requests.length, replies.length) - 1] ?? { status: 500 };
      if (reply.stall) {
        open.add(res);
        res.on('close', () => open.delete(res));
        return;
      }
      res.writeHead(reply.status ?? 200, reply.headers ?? {});
      if (!reply.hang) {
        res.end(reply.body ?? '');
        return;
      }
      open.add(res);
      res.on('close', () => {
        open.delete(res);
        markGone();
      });
      res.write(reply.body ?? '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    origin: `http://127.0.0.1:${port}`,
    requests,
    clientGone,
    close: async () => {
      for (const res of open) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
