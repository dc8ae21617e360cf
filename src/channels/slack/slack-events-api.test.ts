// The Slack adapter with the HTTP Events API on the real Bolt, the Slack fake posting signed events.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startSlackFake, type SlackFake } from '../../../test/fakes/slack/index.ts';
import { findFreePort } from '../../../test/harness/free-port.ts';
import { RecordingHandler } from '../kit/testdata/recording-handler.ts';
import { until } from '../kit/testdata/until.ts';
import { SlackAdapter } from './slack-adapter.ts';

const botToken = 'xoxb-events-test';
const signingSecret = 'events-signing-secret';
const ada = 'U0ADA';

describe('SlackAdapter with the HTTP Events API', () => {
  let fake: SlackFake;
  let adapter: SlackAdapter;
  const handler = new RecordingHandler();
  const { received } = handler;

  before(async () => {
    const port = await findFreePort();
    fake = await startSlackFake({
      botToken,
      signingSecret,
      eventsUrl: `http://127.0.0.1:${port}/slack/events`,
    });
    adapter = new SlackAdapter({
      botToken,
      apiUrl: fake.apiUrl,
      http: { signingSecret, port, host: '127.0.0.1' },
    });
    await adapter.start(handler.handle);
  });
  after(async () => {
    await adapter.stop();
    await fake.close();
  });

  it('answers the url_verification challenge', async () => {
    const { status, challenge, expected } = await fake.verifyUrl();
    assert.equal(status, 200);
    assert.equal(challenge, expected);
  });

  it('hands over a signed event, answering 200 only once it was handled', async () => {
    const release = handler.hold();
    const posting = fake.postEvent({ channel: 'D0ADA', user: ada, text: 'by HTTP' });
    await until('the message', () => received.find((m) => m.text === 'by HTTP'));
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal(fake.eventDeliveries().filter((d) => d.status !== 0).length, 0, 'no answer while handling');
    release();
    assert.deepEqual((await posting).statuses, [200]);
  });

  it('answers 500 when the message could not be handled, so Slack retries it, and hands the retry over', async () => {
    handler.failuresLeft = 1;
    fake.pushMessage({ channel: 'D0ADA', user: ada, text: 'again please' });
    const deliveries = await until('the retry', () => {
      const found = fake.eventDeliveries().filter((d) => d.retryNum <= 1 && d.status !== 0);
      return found.length >= 3 ? found : undefined;
    });
    assert.deepEqual(
      deliveries.slice(-2).map((d) => [d.retryNum, d.status]),
      [
        [0, 500],
        [1, 200],
      ],
    );
    assert.equal(received.filter((m) => m.text === 'again please').length, 2);
  });

  it('hands a retried delivery of a handled event over once, with the same id', async () => {
    const before = received.length;
    const { statuses, ts } = await fake.postEvent(
      { channel: 'D0ADA', user: ada, text: 'twice' },
      { times: 2 },
    );
    assert.deepEqual(statuses, [200, 200]);
    assert.equal(received.length, before + 1);
    assert.equal(received.at(-1)?.id, `D0ADA.${ts}`);
  });

  it('refuses forged and stale signatures with 401 and hands nothing over', async () => {
    const before = received.length;
    const forged = await fake.postEvent({ channel: 'D0ADA', user: ada, text: 'forged' }, { sign: 'forged' });
    const stale = await fake.postEvent({ channel: 'D0ADA', user: ada, text: 'stale' }, { sign: 'stale' });
    assert.deepEqual([forged.statuses, stale.statuses], [[401], [401]]);
    const unsigned = await fetch(adapterUrl(), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'event_callback', event: { type: 'message' } }),
    });
    assert.equal(unsigned.status, 401);
    assert.equal(received.length, before);
  });

  function adapterUrl(): string {
    return `http://127.0.0.1:${adapter.httpPort()}/slack/events`;
  }
});
