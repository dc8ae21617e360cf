// Serves the app over HTTP on a port, and stops gracefully: no new connections, idle ones closed
// at once, requests in flight given `graceMs` to finish before their connections are cut. Upgrade
// requests (WebSockets) go to `onUpgrade` when given; without it they are not answered.
import { serve } from '@hono/node-server';
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Hono } from 'hono';

export interface ApiServerHandle {
  port: number;
  close(graceMs?: number): Promise<void>;
}

export async function startApiServer(
  app: Pick<Hono, 'fetch'>,
  {
    port,
    host = '0.0.0.0',
    onUpgrade,
  }: {
    port: number;
    host?: string;
    onUpgrade?: (request: IncomingMessage, socket: Duplex, head: Buffer) => void;
  },
): Promise<ApiServerHandle> {
  const server = await new Promise<Server>((resolve, reject) => {
    const started = serve({ fetch: app.fetch, port, hostname: host }, () => resolve(started as Server));
    started.once('error', reject);
  });
  if (onUpgrade) server.on('upgrade', onUpgrade);
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : port,
    close: async (graceMs = 10_000) => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // a keep-alive connection becomes idle when its last response is sent: close it then, rather
      // than when the client's keep-alive runs out
      server.closeIdleConnections();
      const idle = setInterval(() => server.closeIdleConnections(), 50);
      const timer = setTimeout(() => server.closeAllConnections(), graceMs);
      await closed;
      clearInterval(idle);
      clearTimeout(timer);
    },
  };
}
