// The Telegram stand-in's control API, as the cluster's end-to-end tests drive it: a pushed message
// comes out of getUpdates, the calls the bot made are listed, and queued faults answer its next calls.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTelegramFake, type TelegramFake } from '../../fakes/telegram/index.ts';

const token = '42:CONTROL-token';

describe('the Telegram stand-in’s control API', () => {
  let fake: TelegramFake | undefined;
  before(async () => {
    fake = await startTelegramFake({ token });
  });
  after(async () => await fake?.close());

  const control = async (method: string, path: string, body?: unknown) => {
    assert.ok(fake);
    const response = await fetch(`${fake.apiRoot}/_control/${path}`, {
      method,
      ...(body !== undefined
        ? { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }
        : {}),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const bot = async (method: string, params: Record<string, unknown>) => {
    assert.ok(fake);
    const response = await fetch(`${fake.apiRoot}/bot${token}/${method}`, {
      method: 'POST',
      body: JSON.stringify(params),
      headers: { 'content-type': 'application/json' },
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  it('hands a pushed message to the bot through getUpdates', async () => {
    const pushed = await control('POST', 'messages', {
      chatId: 42,
      from: { id: 42, username: 'ada' },
      text: 'Hi',
    });
    assert.equal(pushed.status, 200);
    const updates = await bot('getUpdates', { timeout: 0 });
    const [update] = updates.body.result as { update_id: number; message: { text: string } }[];
    assert.equal(update?.update_id, pushed.body.updateId);
    assert.equal(update?.message.text, 'Hi');
  });

  it('refuses a message it cannot read, naming the shape it wants', async () => {
    const refused = await control('POST', 'messages', { chatId: '42', text: 'Hi' });
    assert.equal(refused.status, 400);
    assert.match(String(refused.body.error), /chatId: number/);
  });

  it('lists the calls the bot made and fails the next ones on request', async () => {
    assert.equal(
      (
        await control('POST', 'faults', {
          method: 'sendMessage',
          faults: [{ status: 429, retryAfterSeconds: 3 }],
        })
      ).status,
      200,
    );
    const limited = await bot('sendMessage', { chat_id: 42, text: 'one' });
    assert.equal(limited.status, 429);
    assert.deepEqual(limited.body.parameters, { retry_after: 3 });
    assert.equal((await bot('sendMessage', { chat_id: 42, text: 'two' })).status, 200);
    const { body } = await control('GET', 'calls');
    const sent = (body.calls as { method: string; params: { text?: string } }[]).filter(
      (call) => call.method === 'sendMessage',
    );
    assert.deepEqual(
      sent.map((call) => call.params.text),
      ['two'],
    );
    assert.equal(
      (await control('POST', 'faults', { method: 'sendMessage', faults: [{ status: 'x' }] })).status,
      400,
    );
  });
});
