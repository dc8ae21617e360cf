// The WhatsApp adapter against the Cloud API fake on loopback, with Meta's webhook sender posting
// to it.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { signPayload, startWhatsAppFake, type WhatsAppFake } from '../../../test/fakes/whatsapp/index.ts';
import { findFreePort } from '../../../test/harness/free-port.ts';
import { buildReplyParts, DeliveryError } from '../kit/index.ts';
import { RecordingHandler } from '../kit/testdata/recording-handler.ts';
import { until } from '../kit/testdata/until.ts';
import { WhatsAppAdapter } from './whatsapp-adapter.ts';

const accessToken = 'EAAG-adapter-test-token';
const phoneNumberId = '106540352242922';
const appSecret = 'adapter-app-secret';
const verifyToken = 'adapter-verify-token';
const ada = { from: '4915112345678', name: 'Ada' };

describe('WhatsAppAdapter', () => {
  let fake: WhatsAppFake;
  let adapter: WhatsAppAdapter;
  let url = '';
  const handler = new RecordingHandler();
  const { received } = handler;
  const errors: string[] = [];

  before(async () => {
    const port = await findFreePort();
    url = `http://127.0.0.1:${port}/whatsapp`;
    fake = await startWhatsAppFake({ accessToken, phoneNumberId, appSecret, verifyToken, webhookUrl: url });
    adapter = new WhatsAppAdapter({
      accessToken,
      phoneNumberId,
      verifyToken,
      appSecret,
      apiUrl: fake.apiUrl,
      port,
      host: '127.0.0.1',
      maxBodyBytes: 64 * 1024,
      typingRenewMs: 60_000,
      onError: (error) => errors.push((error as Error).message),
    });
    await adapter.start(handler.handle);
  });
  after(async () => {
    await adapter.stop();
    await fake.close();
  });

  it("passes Meta's verification handshake with its verify token only", async () => {
    assert.deepEqual(await fake.verifyWebhook(), { status: 200, ok: true });
    assert.deepEqual(await fake.verifyWebhook('not-ours'), { status: 403, ok: false });
  });

  it('hands a signed message over, and answers Meta 200 only once it was handled', async () => {
    const release = handler.hold();
    let answered = false;
    const sending = fake.sendMessage({ ...ada, text: 'Hello bot' }).then((result) => {
      answered = true;
      return result;
    });
    const message = await until('the message', () => received.find((m) => m.text === 'Hello bot'), 5_000);
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal(answered, false, 'not answered while the handler runs');
    release();
    const { wamid, status } = await sending;
    assert.equal(status, 200);
    assert.equal(message.id, wamid);
    assert.equal(message.messageId, wamid);
    assert.deepEqual(message.chat, { chatId: ada.from });
    assert.deepEqual(message.sender, { id: ada.from, name: 'Ada' });
    assert.equal(message.access.chatKind, 'direct');
  });

  it('answers 500 when the message could not be handled, so Meta posts it again', async () => {
    handler.failuresLeft = 1;
    const { wamid, status } = await fake.sendMessage({ ...ada, text: 'again please' });
    assert.equal(status, 500);
    const deliveries = await until(
      'the second post',
      () => {
        const found = fake.webhookDeliveries().filter((d) => d.wamid === wamid);
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

  it('answers a post of several messages once all of them were handled, 500 if one was not', async () => {
    const payload = {
      object: 'whatsapp_business_account',
      entry: [
        {
          id: '102290129340398',
          changes: [
            {
              field: 'messages',
              value: {
                messaging_product: 'whatsapp',
                metadata: { display_phone_number: '15550783881', phone_number_id: phoneNumberId },
                contacts: [{ profile: { name: 'Ada' }, wa_id: ada.from }],
                messages: ['one', 'two'].map((text) => ({
                  from: ada.from,
                  id: `wamid.batch-${text}`,
                  timestamp: '1767225600',
                  type: 'text',
                  text: { body: `batch ${text}` },
                })),
              },
            },
          ],
        },
      ],
    };
    const body = JSON.stringify(payload);
    const post = () =>
      fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-hub-signature-256': signPayload(body, appSecret) },
        body,
      });
    const batch = () => received.filter((m) => m.text.startsWith('batch ')).map((m) => m.id);
    // one at a time: the second is handed over once the first was handled, the answer after both
    const release = handler.hold();
    let answered = false;
    const first = post().then((response) => ((answered = true), response));
    await until('the first message', () => (batch().length === 1 ? true : undefined), 5_000);
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.deepEqual([batch(), answered], [['wamid.batch-one'], false]);
    release();
    assert.equal((await first).status, 200);
    assert.deepEqual(batch(), ['wamid.batch-one', 'wamid.batch-two']);
    // the second cannot be handled: the whole post fails, and Meta posts it again
    handler.refusedText = 'batch two';
    assert.equal((await post()).status, 500);
    handler.refusedText = undefined;
    assert.equal((await post()).status, 200);
    assert.deepEqual(batch().slice(2), [
      'wamid.batch-one',
      'wamid.batch-two',
      'wamid.batch-one',
      'wamid.batch-two',
    ]);
  });

  it('refuses posts with a forged or missing signature with 401, and hands nothing over', async () => {
    const before = received.length;
    assert.equal((await fake.sendMessage({ ...ada, text: 'forged' }, { forge: 'signature' })).status, 401);
    assert.equal(
      (await fake.sendMessage({ ...ada, text: 'unsigned' }, { forge: 'missing-signature' })).status,
      401,
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(received.length, before);
    assert.equal(fake.webhookDeliveries().filter((d) => d.forged).length, 2, 'forged posts are not repeated');
  });

  it('refuses bodies over its limit and methods other than GET and POST', async () => {
    const big = await fetch(url, { method: 'POST', body: 'x'.repeat(65 * 1024) });
    assert.equal(big.status, 413);
    assert.equal((await fetch(url, { method: 'PUT', body: '{}' })).status, 405);
  });

  it('sends replies as WhatsApp text, the first part quoting the message, without link previews', async () => {
    const { wamid } = await fake.sendMessage({ ...ada, text: 'tell me a long story' });
    const reply = {
      id: 'uid-1',
      chat: { chatId: ada.from },
      replyToMessageId: wamid,
      status: 'succeeded' as const,
      text: `**Once** upon a time.\n\n${'la '.repeat(1500)}`,
    };
    const parts = buildReplyParts('whatsapp', reply.text);
    assert.equal(parts.length, 2);
    for (const [index, part] of parts.entries()) await adapter.sendReply(reply, part, index);
    const [first, second] = fake.sentMessages().slice(-2);
    assert.deepEqual(first?.body, {
      messaging_product: 'whatsapp',
      recipient_type: 'individual',
      to: ada.from,
      type: 'text',
      text: { body: parts[0]?.text, preview_url: false },
      context: { message_id: wamid },
    });
    assert.match(String((first?.body.text as { body: string }).body), /^\*Once\* upon a time\./);
    assert.equal(second?.body.context, undefined);
    // Meta's "sent" status callbacks for them are taken and handed over as nothing
    const before = received.length;
    await until(
      'the status callbacks',
      () => {
        const posts = fake
          .webhookDeliveries()
          .filter((d) => d.wamid === first?.wamid || d.wamid === second?.wamid);
        return posts.length === 2 && posts.every((d) => d.status === 200) ? true : undefined;
      },
      5_000,
    );
    assert.equal(received.length, before);
  });

  it("turns 429 (with Retry-After) and 500 into retryable delivery errors, and sends once it's taken", async () => {
    const reply = { id: 'uid-2', chat: { chatId: ada.from }, status: 'succeeded' as const, text: 'hi' };
    const [part] = buildReplyParts('whatsapp', reply.text);
    assert.ok(part);
    fake.failNext('messages', { status: 429, retryAfterSeconds: 3 }, { status: 500 });
    await assert.rejects(adapter.sendReply(reply, part, 0), (error: unknown) => {
      assert.ok(error instanceof DeliveryError);
      assert.match(error.message, /code 130429/);
      return error.retryable && error.retryAfterMs === 3000;
    });
    await assert.rejects(adapter.sendReply(reply, part, 0), (error: unknown) => {
      assert.ok(error instanceof DeliveryError);
      return error.retryable && error.retryAfterMs === undefined;
    });
    const before = fake.sentMessages().length;
    await adapter.sendReply(reply, part, 0);
    assert.equal(fake.sentMessages().length, before + 1);
  });

  it('refuses for good what Graph rejects, naming the code but never the token', async () => {
    const reply = { id: 'uid-3', chat: { chatId: ada.from }, status: 'succeeded' as const, text: 'hi' };
    const [part] = buildReplyParts('whatsapp', reply.text);
    assert.ok(part);
    fake.failNext('messages', { status: 400, code: 131026 });
    await assert.rejects(adapter.sendReply(reply, part, 0), (error: unknown) => {
      assert.ok(error instanceof DeliveryError);
      return !error.retryable && /code 131026/.test(error.message);
    });
    const stranger = new WhatsAppAdapter({
      accessToken: 'EAAG-wrong-token',
      phoneNumberId,
      verifyToken,
      appSecret,
      apiUrl: fake.apiUrl,
      port: 0,
    });
    await assert.rejects(stranger.sendReply(reply, part, 0), (error: unknown) => {
      assert.ok(error instanceof DeliveryError);
      assert.equal(error.message.includes('EAAG-wrong-token'), false);
      return !error.retryable && /HTTP 401, code 190/.test(error.message);
    });
  });

  it('logs a reply WhatsApp reports failed later (the 24-hour window closed)', async () => {
    const reply = {
      id: 'uid-5',
      chat: { chatId: '4479460000000' },
      status: 'succeeded' as const,
      text: 'hi',
    };
    const [part] = buildReplyParts('whatsapp', reply.text);
    assert.ok(part);
    await adapter.sendReply(reply, part, 0);
    const logged = await until('the failure', () => errors.find((e) => e.includes('131047')), 5_000);
    assert.match(logged, /to 4479460000000: 131047 Re-engagement message/);
  });

  it('shows the typing indicator under the message it answers, renewed no more often than asked', async () => {
    const { wamid } = await fake.sendMessage({ ...ada, text: 'are you typing?' });
    const before = fake.typingIndicators().length;
    await adapter.sendTyping({ chatId: ada.from }, wamid);
    await adapter.sendTyping({ chatId: ada.from }, wamid);
    await adapter.sendTyping({ chatId: ada.from });
    const shown = fake.typingIndicators().slice(before);
    assert.deepEqual(
      shown.map((call) => call.body),
      [
        {
          messaging_product: 'whatsapp',
          status: 'read',
          message_id: wamid,
          typing_indicator: { type: 'text' },
        },
      ],
    );
  });
});
