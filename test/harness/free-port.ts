// Finds free TCP ports on loopback for servers started by tests. Ports are reserved by a short
// listen and released just before use; callers retry a start when a race loses the port.
//
// Ports come from below the kernel's ephemeral range. A port from that range (what `listen(0)`
// gives) can be taken while its server is stopped: by any outgoing connection's local port, or by
// a client reconnecting to it, which on loopback can connect to itself (TCP simultaneous open).
// Either way a server restarted on its old port (nats-server, kube-apiserver, PostgreSQL in the
// outage tests) would fail to bind.
import { readFile } from 'node:fs/promises';
import net from 'node:net';

/** Lowest port handed out: above the well-known and most registered service ports. */
const lowestPort = 20_000;
const attempts = 50;

async function ephemeralRangeStart(): Promise<number> {
  try {
    const [low] = (await readFile('/proc/sys/net/ipv4/ip_local_port_range', 'utf8')).trim().split(/\s+/);
    const port = Number(low);
    return Number.isInteger(port) && port > lowestPort + 1000 ? port : 0;
  } catch {
    return 0; // not Linux: no known range, so take what the kernel gives
  }
}

function tryListen(host: string, port: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.unref();
    server.on('error', () => resolve(undefined));
    server.listen({ host, port, exclusive: true }, () => {
      const address = server.address();
      const bound = typeof address === 'object' && address ? address.port : undefined;
      server.close(() => resolve(bound));
    });
  });
}

export async function findFreePort(host = '127.0.0.1'): Promise<number> {
  const rangeStart = await ephemeralRangeStart();
  if (rangeStart > 0) {
    for (let attempt = 0; attempt < attempts; attempt += 1) {
      const candidate = lowestPort + Math.floor(Math.random() * (rangeStart - lowestPort));
      const port = await tryListen(host, candidate);
      if (port !== undefined) return port;
    }
  }
  const port = await tryListen(host, 0);
  if (port === undefined) throw new Error(`no free port on ${host}`);
  return port;
}
