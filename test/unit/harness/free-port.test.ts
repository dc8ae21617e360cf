import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import net from 'node:net';
import { describe, it } from 'node:test';
import { findFreePort } from '../../harness/free-port.ts';

const listenOn = (port: number) =>
  new Promise<net.Server>((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen({ host: '127.0.0.1', port }, () => resolve(server));
  });

describe('findFreePort', () => {
  it('gives a port below the ephemeral range that a server can listen on', async () => {
    const [low] = (await readFile('/proc/sys/net/ipv4/ip_local_port_range', 'utf8')).trim().split(/\s+/);
    const ports = await Promise.all(Array.from({ length: 5 }, () => findFreePort()));
    for (const port of ports) {
      assert.ok(port >= 20_000 && port < Number(low), `${port} is outside [20000, ${low})`);
    }
    const server = await listenOn(ports[0] as number);
    server.close();
  });
});
