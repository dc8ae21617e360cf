// A TCP proxy on loopback that a test can stall: while stalled, no byte moves in either direction
// and new connections wait, as when a network path hangs without closing. TLS passes through
// untouched, so a client reaches the real server (with its real certificates) through it.
import net from 'node:net';

export interface StallableProxy {
  /** host:port to connect to instead of the target. */
  address: string;
  stall(): void;
  resume(): void;
  close(): Promise<void>;
}

export async function startStallableProxy(targetHost: string, targetPort: number): Promise<StallableProxy> {
  let stalled = false;
  const sockets = new Set<net.Socket>();
  const waiting: (() => void)[] = [];
  const track = (socket: net.Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    if (stalled) socket.pause();
  };
  const server = net.createServer((client) => {
    track(client);
    const connect = () => {
      const upstream = net.connect(targetPort, targetHost);
      track(upstream);
      client.pipe(upstream);
      upstream.pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    };
    if (stalled) waiting.push(connect);
    else connect();
  });
  await new Promise<void>((resolve) => server.listen({ host: '127.0.0.1', port: 0 }, resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    address: `127.0.0.1:${port}`,
    stall() {
      stalled = true;
      for (const socket of sockets) socket.pause();
    },
    resume() {
      stalled = false;
      for (const socket of sockets) socket.resume();
      for (const connect of waiting.splice(0)) connect();
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
