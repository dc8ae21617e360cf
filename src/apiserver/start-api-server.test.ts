import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { startApiServer } from './start-api-server.ts';

describe('API server shutdown', () => {
  // the bounds are the tests' own timeouts, far below the grace periods a stuck close would wait out
  it('lets a request in flight finish, then refuses new connections', { timeout: 20_000 }, async () => {
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
    // a grace longer than this test may take: close must end once the answer is sent, not when
    // the client's keep-alive connection would time out
    const closed = server.close(60_000);
    const response = await answer;
    assert.equal(response.status, 200);
    assert.equal(await response.text(), 'done');
    await closed;
    await assert.rejects(fetch(url), /fetch failed/);
  });

  it('cuts a request off once the grace period is over', { timeout: 20_000 }, async () => {
    const server = await startApiServer(
      { fetch: async () => await sleep(10_000, new Response('too late')) },
      { port: 0, host: '127.0.0.1' },
    );
    const answer = fetch(`http://127.0.0.1:${server.port}/`).then(
      () => 'answered',
      () => 'cut off',
    );
    await sleep(100);
    await server.close(200);
    assert.equal(await answer, 'cut off');
  });
});
