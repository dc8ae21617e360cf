import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { startApiServer } from './start-api-server.ts';

describe('API server shutdown', () => {
  it('lets a request in flight finish, then refuses new connections', async () => {
    let started!: () => void;
    const inFlight = new Promise<void>((resolve) => (started = resolve));
    const server = await startApiServer(
      {
        fetch: async () => {
          started();
          await sleep(300);
          return new Response('done');
        },
      },
      { port: 0, host: '127.0.0.1' },
    );
    const url = `http://127.0.0.1:${server.port}/`;
    const answer = fetch(url);
    await inFlight;
    const closing = Date.now();
    const closed = server.close(5_000);
    const response = await answer;
    assert.equal(response.status, 200);
    assert.equal(await response.text(), 'done');
    await closed;
    // closed once the answer was sent, not when the client's keep-alive ran out
    assert.ok(Date.now() - closing < 2_000, `closed after ${Date.now() - closing} ms`);
    await assert.rejects(fetch(url), /fetch failed/);
  });

  it('cuts a request off once the grace period is over', async () => {
    const server = await startApiServer(
      { fetch: async () => await sleep(10_000, new Response('too late')) },
      { port: 0, host: '127.0.0.1' },
    );
    const answer = fetch(`http://127.0.0.1:${server.port}/`).then(
      () => 'answered',
      () => 'cut off',
    );
    await sleep(100);
    const before = Date.now();
    await server.close(200);
    assert.ok(Date.now() - before < 5_000);
    assert.equal(await answer, 'cut off');
  });
});
