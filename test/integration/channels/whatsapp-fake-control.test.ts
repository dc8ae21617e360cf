// The WhatsApp Cloud API fake as a process (main.ts) and its control API: signed webhook posts to
// WEBHOOK_URL (checked here with an HMAC of our own), forged ones, Meta's verification handshake,
// the Graph API's token check, injected faults with Graph error bodies, the recorded calls, and a
// clean exit on SIGTERM.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { once } from 'node:events';
import http from 'node:http';
import { createInterface } from 'node:readline';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const accessToken = 'EAAG-control-token';
const phoneNumberId = '106540352242922';
const appSecret = 'control-app-secret';
const verifyToken = 'control-verify-token';

/** A webhook that checks Meta's signature itself and keeps what it took. */
async function startWebhook() {
  const taken: Record<string, unknown>[] = [];
  const server = http.createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://webhook');
    if (request.method === 'GET') {
      const ok =
        url.searchParams.get('hub.mode') === 'subscribe' &&
        url.searchParams.get('hub.verify_token') === verifyToken;
      response.writeHead(ok ? 200 : 403).end(ok ? (url.searchParams.get('hub.challenge') ?? '') : '');
      return;
    }
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks);
      const expected = `sha256=${createHmac('sha256', appSecret).update(body).digest('hex')}`;
      if (request.headers['x-hub-signature-256'] !== expected) {
        response.writeHead(401).end();
        return;
      }
      taken.push(JSON.parse(body.toString('utf8')) as Record<string, unknown>);
      response.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    taken,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

async function call(url: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await fetch(url, {
    method: body === undefined ? 'GET' : 'POST',
    ...(body === undefined
      ? {}
      : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

describe('the WhatsApp fake as a process', () => {
  it('delivers signed webhooks, forges on request, serves the Graph API with faults, records calls', async () => {
    const webhook = await startWebhook();
    const main = fileURLToPath(new URL('../../fakes/whatsapp/main.ts', import.meta.url));
    const child = spawn(process.execPath, [main], {
      env: {
        ...process.env,
        WHATSAPP_ACCESS_TOKEN: accessToken,
        WHATSAPP_PHONE_NUMBER_ID: phoneNumberId,
        WHATSAPP_APP_SECRET: appSecret,
        WHATSAPP_VERIFY_TOKEN: verifyToken,
        WEBHOOK_URL: webhook.url,
        PORT: '0',
        HOST: '127.0.0.1',
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
      const started = JSON.parse((await lines.next()).value as string) as { url: string; apiUrl: string };
      const control = `${started.url}/_control`;

      assert.deepEqual(await call(`${control}/verify`, {}), { status: 200, json: { status: 200, ok: true } });
      assert.deepEqual((await call(`${control}/verify`, { verifyToken: 'wrong' })).json, {
        status: 403,
        ok: false,
      });

      const sent = await call(`${control}/messages`, {
        from: '4915112345678',
        name: 'Ada',
        text: 'Hi there',
      });
      assert.equal(sent.status, 200);
      assert.equal(sent.json.status, 200);
      assert.match(String(sent.json.wamid), /^wamid\./);
      const value = (webhook.taken[0]?.entry as { changes: { value: Record<string, unknown> }[] }[])[0]
        ?.changes[0]?.value;
      assert.deepEqual(value?.metadata, {
        display_phone_number: '15550783881',
        phone_number_id: phoneNumberId,
      });
      assert.deepEqual(value?.contacts, [{ profile: { name: 'Ada' }, wa_id: '4915112345678' }]);
      assert.deepEqual((value?.messages as Record<string, unknown>[])[0]?.text, { body: 'Hi there' });
      assert.equal((value?.messages as Record<string, unknown>[])[0]?.id, sent.json.wamid);

      const forged = await call(`${control}/messages?forge=signature`, {
        from: '4915112345678',
        text: 'forged',
      });
      assert.equal(forged.json.status, 401);
      assert.equal(webhook.taken.length, 1);

      const messages = `${started.apiUrl}/${phoneNumberId}/messages`;
      const text = {
        messaging_product: 'whatsapp',
        to: '4915112345678',
        type: 'text',
        text: { body: 'Hello' },
      };
      const post = (token: string, body: unknown) =>
        fetch(messages, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
      const unauthorized = await post('wrong', text);
      assert.equal(unauthorized.status, 401);
      assert.equal(((await unauthorized.json()) as { error: { code: number } }).error.code, 190);

      assert.equal(
        (
          await call(`${control}/faults`, {
            method: 'messages',
            faults: [{ status: 429, retryAfterSeconds: 2 }],
          })
        ).status,
        200,
      );
      const limited = await post(accessToken, text);
      assert.equal(limited.status, 429);
      assert.equal(limited.headers.get('retry-after'), '2');
      const error = ((await limited.json()) as { error: Record<string, unknown> }).error;
      assert.equal(error.code, 130429);
      assert.equal(error.type, 'OAuthException');
      assert.equal(typeof error.fbtrace_id, 'string');

      const accepted = await post(accessToken, text);
      assert.equal(accepted.status, 200);
      const answer = (await accepted.json()) as { messages: { id: string }[] };
      assert.match(answer.messages[0]?.id ?? '', /^wamid\./);

      const calls = await call(`${control}/calls`);
      assert.deepEqual(calls.json.calls, [{ method: 'messages', body: text, wamid: answer.messages[0]?.id }]);

      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      const [code] = await exited;
      assert.equal(code, 0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      await webhook.close();
    }
  });
});
