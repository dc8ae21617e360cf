// Clients of the API server's event streams for the tests: Node's own WebSocket (the WHATWG one a
// browser has, with Node's `headers` extension), and a bare upgrade request over node:http to see
// the HTTP answer of a refused upgrade, or to hold a socket that reads nothing.
import { request } from 'node:http';
import type { Socket } from 'node:net';
import { randomBytes } from 'node:crypto';
import type { RunEvent } from '../../../src/api/index.ts';
import { buildBearerProtocol, eventStreamProtocol } from '../../../src/apiserver/index.ts';
import { eventually } from '../../harness/eventually.ts';

export interface StreamClient {
  /** Every event received, in order. */
  events: RunEvent[];
  /** The subprotocol the server selected. */
  protocol: () => string;
  opened: Promise<void>;
  closed: Promise<{ code: number; reason: string }>;
  waitForEvents(count: number, timeoutMs?: number): Promise<RunEvent[]>;
  close(): void;
}

export function openEventStream(
  baseUrl: string,
  pathName: string,
  options: { token?: string; tokenVia?: 'header' | 'protocol'; origin?: string } = {},
): StreamClient {
  const viaProtocol = options.tokenVia === 'protocol' && options.token !== undefined;
  const headers: Record<string, string> = {
    ...(options.token !== undefined && !viaProtocol ? { authorization: `Bearer ${options.token}` } : {}),
    ...(options.origin ? { origin: options.origin } : {}),
  };
  const protocols = viaProtocol ? [buildBearerProtocol(options.token ?? ''), eventStreamProtocol] : [];
  const socket = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}${pathName}`, {
    protocols,
    headers,
  } as never);
  const events: RunEvent[] = [];
  socket.addEventListener('message', (message) => events.push(JSON.parse(String(message.data)) as RunEvent));
  const opened = new Promise<void>((resolve, reject) => {
    socket.addEventListener('open', () => resolve(), { once: true });
    socket.addEventListener('error', () => reject(new Error('the stream did not open')), { once: true });
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    socket.addEventListener('close', (event) => resolve({ code: event.code, reason: event.reason }), {
      once: true,
    }),
  );
  opened.catch(() => undefined);
  return {
    events,
    protocol: () => socket.protocol,
    opened,
    closed,
    waitForEvents: async (count, timeoutMs = 30_000) =>
      await eventually(
        `${count} events on ${pathName}`,
        async () => (events.length >= count ? events : undefined),
        timeoutMs,
        20,
      ),
    close: () => socket.close(),
  };
}

export interface UpgradeAnswer {
  status: number;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- JSON answers checked field by field
  /** The upgraded socket when the server switched protocols (status 101). */
  socket?: Socket;
}

/** A bare WebSocket upgrade request: the HTTP answer when refused, the raw socket when upgraded. */
export async function requestUpgrade(
  baseUrl: string,
  pathName: string,
  headers: Record<string, string> = {},
): Promise<UpgradeAnswer> {
  return await new Promise<UpgradeAnswer>((resolve, reject) => {
    const req = request(`${baseUrl}${pathName}`, {
      headers: {
        connection: 'Upgrade',
        upgrade: 'websocket',
        'sec-websocket-version': '13',
        'sec-websocket-key': randomBytes(16).toString('base64'),
        ...headers,
      },
    });
    req.on('upgrade', (response, socket) =>
      resolve({ status: response.statusCode ?? 0, body: undefined, socket }),
    );
    req.on('response', (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (text += chunk));
      response.on('end', () =>
        resolve({ status: response.statusCode ?? 0, body: text ? JSON.parse(text) : undefined }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}
