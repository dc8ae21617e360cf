// Builders and probes shared by the event bus integration tests. A raw protocol publisher stands in
// for a misbehaving client: tests cannot use the NATS client, and the EventBus refuses to send
// invalid messages.
import net from 'node:net';
import type { RunEvent, RunIdentity, RunInput } from '../../../src/api/run-events.ts';

let counter = 0;

/** A run identity unique within the test process; `group` becomes the namespace. */
export function buildIdentity(group: string, overrides: Partial<RunIdentity> = {}): RunIdentity {
  counter++;
  return {
    namespace: group,
    instance: 'bot.v1',
    run: `run-${counter}`,
    runUid: `00000000-0000-4000-8000-${String(counter).padStart(12, '0')}`,
    ...overrides,
  };
}

export function buildCompletedEvent(identity: RunIdentity, id = 'completed'): RunEvent {
  return {
    id,
    seq: 3,
    time: new Date().toISOString(),
    identity,
    body: {
      type: 'completed',
      result: {
        status: 'succeeded',
        response: `done by ${identity.run}`,
        usage: { input: 10, output: 20 },
        toolCalls: 0,
        memoryUpdates: [],
      },
    },
  };
}

export function buildStatusEvent(identity: RunIdentity, id: string): RunEvent {
  return {
    id,
    seq: 2,
    time: new Date().toISOString(),
    identity,
    body: { type: 'status', message: 'working' },
  };
}

export function buildInput(id: string, text = `input ${id}`): RunInput {
  return { id, time: new Date().toISOString(), text, sender: 'test' };
}

/** Publishes one message with the text protocol and waits for the server's PONG (it was processed). */
export async function publishRaw(url: string, subject: string, payload: string): Promise<void> {
  const { hostname, port } = new URL(url);
  const size = Buffer.byteLength(payload);
  await new Promise<void>((resolve, reject) => {
    const socket = net.connect({ host: hostname, port: Number(port) });
    let buffer = '';
    let sent = false;
    socket.setEncoding('utf8');
    socket.setTimeout(5_000, () => socket.destroy(new Error('no answer from nats-server')));
    socket.on('error', reject);
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      if (!sent && buffer.includes('\r\n')) {
        sent = true;
        socket.write(`CONNECT {"verbose":false}\r\nPUB ${subject} ${size}\r\n${payload}\r\nPING\r\n`);
      }
      if (buffer.includes('-ERR')) socket.destroy(new Error(buffer));
      else if (buffer.includes('PONG')) {
        socket.end();
        resolve();
      }
    });
  });
}

/** Counts per key, to tell "handled once" from "handled twice". */
export class Tally {
  readonly counts = new Map<string, number>();

  add(key: string): void {
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
  }

  count(key: string): number {
    return this.counts.get(key) ?? 0;
  }

  get size(): number {
    return this.counts.size;
  }
}
