// The Telegram adapter in webhook mode on the real grammY, with the Bot API fake posting updates.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTelegramFake, type TelegramFake } from '../../../test/fakes/telegram/index.ts';
import { findFreePort } from '../../../test/harness/free-port.ts';
import { RecordingHandler } from '../kit/testdata/recording-handler.ts';
import { until } from '../kit/testdata/until.ts';
import { TelegramAdapter } from './telegram-adapter.ts';

const token = '123456:WEBHOOK-token';
const secretToken = 'webhook_Secret-1';
const person = { id: 42, username: 'ada' };

describe('TelegramAdapter in webhook mode', () => {
  let fake: TelegramFake;
  let adapter: TelegramAdapter;
  let url = '';
  const handler = new RecordingHandler();
  const { received } = handler;

  before(async () => {
    fake = await startTelegramFake({ token });
    const port = await findFreePort();
    url = `http://127.0.0.1:${port}/telegram`;
    adapter = new TelegramAdapter({
      token,
      apiRoot: fake.apiRoot,
      webhook: { url, secretToken, port, host: '127.0.0.1' },
    });
    await adapter.start(handler.handle);
  });
  after(async () => {
    await adapter.stop();
    await fake.close();
  });

  it('sets the webhook with its secret token', () => {
    assert.deepEqual(fake.webhook(), { url, secretToken });
  });

  it('hands over posted updates, answering 200 once they are handled', async () => {
    const { updateId } = fake.pushMessage({ chatId: 42, from: person, text: 'by webhook' });
    await until('the message', () => received.find((m) => m.text === 'by webhook'), 5_000);
    const deliveries = await until(
      'the answer',
      () => {
        const found = fake.webhookDeliveries().filter((d) => d.updateId === updateId);
        return found.length > 0 ? found : undefined;
      },
      5_000,
    );
    assert.deepEqual(deliveries, [{ updateId, status: 200 }]);
  });

  it('answers 500 when the message could not be handled, so Telegram posts it again', async () => {
    handler.failuresLeft = 1;
    const { updateId } = fake.pushMessage({ chatId: 42, from: person, text: 'again please' });
    const deliveries = await until(
      'the second post',
      () => {
        const found = fake.webhookDeliveries().filter((d) => d.updateId === updateId);
        return found.length >= 2 ? found : undefined;
      },
      5_000,
    );
    assert.deepEqual(
      deliveries.map((d) => d.status),
      [500, 200],
    );
    assert.equal(received.filter((m) => m.text === 'again please').length, 2);
  });

  it('refuses posts without the secret token, or with another one, and hands nothing over', async () => {
    const before = received.length;
    const update = {
      update_id: 1,
      message: {
        message_id: 1,
        date: 0,
        chat: { id: 42, type: 'private' },
        from: { id: 42, is_bot: false, first_name: 'M' },
        text: 'forged',
      },
    };
    for (const headers of [{}, { 'x-telegram-bot-api-secret-token': 'guess' }]) {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify(update),
      });
      assert.equal(response.status, 401);
    }
    assert.equal(received.length, before);
  });
});
