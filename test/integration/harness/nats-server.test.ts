// Proves the NATS launcher starts a real nats-server with JetStream, speaking the NATS protocol,
// and that a restart keeps the JetStream store.
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { startNatsServer, type NatsServer } from '../../harness/nats-server.ts';
import { httpGet } from '../../harness/probes.ts';

/** Minimal NATS text-protocol exchange: subscribe, publish, and read back the message. */
async function publishAndReceive(url: string, subject: string, payload: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return await new Promise((resolve, reject) => {
    const socket = net.connect({ host: hostname, port: Number(port) });
    let buffer = '';
    socket.setEncoding('utf8');
    socket.setTimeout(5_000, () => socket.destroy(new Error('no answer from nats-server')));
    socket.on('error', reject);
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      if (buffer.startsWith('INFO ') && buffer.includes('\r\n') && !buffer.includes('SENT')) {
        buffer += 'SENT';
        socket.write(
          `CONNECT {"verbose":false,"pedantic":true}\r\nSUB ${subject} 1\r\nPUB ${subject} ${payload.length}\r\n${payload}\r\nPING\r\n`,
        );
      }
      const match = /MSG (\S+) 1 (\d+)\r\n/.exec(buffer);
      if (match && buffer.includes('PONG')) {
        const start = buffer.indexOf(match[0]) + match[0].length;
        resolve(buffer.slice(start, start + Number(match[2])));
        socket.end();
      }
    });
  });
}

describe('nats-server launcher', () => {
  let nats: NatsServer;
  before(async () => {
    nats = await startNatsServer();
  });
  after(async () => {
    await nats.destroy();
  });

  it('serves the NATS protocol with JetStream enabled', async () => {
    assert.equal(await publishAndReceive(nats.url, 'k8sclaw.test', 'hello'), 'hello');
    const jsz = JSON.parse((await httpGet(`${nats.monitorUrl}/jsz`)).body) as {
      config?: { store_dir?: string };
    };
    assert.ok(jsz.config?.store_dir?.startsWith(nats.dir), 'JetStream must store under the test directory');
  });

  it('restarts on the same port with JetStream still enabled', async () => {
    await nats.restart();
    assert.equal((await httpGet(`${nats.monitorUrl}/healthz?js-enabled-only=true`)).status, 200);
    assert.equal(await publishAndReceive(nats.url, 'k8sclaw.after-restart', 'again'), 'again');
  });
});
