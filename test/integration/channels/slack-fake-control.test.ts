// The Slack fake as a program (test/fakes/slack/main.ts), driven only over HTTP as a cluster test
// would: its Web API, its control API, and the signed events it posts to a Request URL, checked
// here against Slack's signing rule computed independently.
import assert from 'node:assert/strict';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { repoRoot } from '../../harness/binaries.ts';
import { findFreePort } from '../../harness/free-port.ts';
import { ManagedProcess } from '../../harness/managed-process.ts';
import { httpOkProbe } from '../../harness/probes.ts';

const signingSecret = 'program-signing-secret';
const botToken = 'xoxb-program';

/** What a Slack app's Request URL does: 401 unless the v0 signature of the raw body is right. */
function isSignedBySlack(headers: http.IncomingHttpHeaders, body: string): boolean {
  const timestamp = String(headers['x-slack-request-timestamp'] ?? '');
  const given = Buffer.from(String(headers['x-slack-signature'] ?? ''));
  const expected = Buffer.from(
    `v0=${createHmac('sha256', signingSecret).update(`v0:${timestamp}:${body}`).digest('hex')}`,
  );
  const fresh = Math.abs(Date.now() / 1000 - Number(timestamp)) < 300;
  return fresh && given.length === expected.length && timingSafeEqual(given, expected);
}

describe('the Slack fake program and its control API', () => {
  let dir = '';
  let fake: ManagedProcess | undefined;
  let url = '';
  let app: http.Server | undefined;
  const posted: { body: Record<string, unknown>; signed: boolean }[] = [];

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'slack-fake-'));
    app = http.createServer((request, response) => {
      let body = '';
      request.setEncoding('utf8');
      request.on('data', (chunk: string) => (body += chunk));
      request.on('end', () => {
        const signed = isSignedBySlack(request.headers, body);
        posted.push({ body: JSON.parse(body) as Record<string, unknown>, signed });
        response.writeHead(signed ? 200 : 401).end();
      });
    });
    await new Promise<void>((resolve) => app?.listen(0, '127.0.0.1', resolve));
    const address = app.address();
    const appPort = typeof address === 'object' && address ? address.port : 0;
    const port = await findFreePort();
    url = `http://127.0.0.1:${port}`;
    fake = new ManagedProcess({
      name: 'slack-fake',
      command: process.execPath,
      args: [path.join(repoRoot, 'test', 'fakes', 'slack', 'main.ts')],
      logFile: path.join(dir, 'fake.log'),
      env: {
        PATH: process.env.PATH,
        PORT: String(port),
        SLACK_BOT_TOKEN: botToken,
        SLACK_SIGNING_SECRET: signingSecret,
        WEBHOOK_URL: `http://127.0.0.1:${appPort}/slack/events`,
      },
    });
    fake.start();
    await fake.waitUntilReady(httpOkProbe(`${url}/_control/calls`), 30_000);
  });
  after(async () => {
    await fake?.stop();
    await new Promise<void>((resolve) => (app ? app.close(() => resolve()) : resolve()));
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function api(method: string, params: Record<string, string>, token = botToken) {
    const response = await fetch(`${url}/api/${method}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(params).toString(),
    });
    const text = await response.text();
    return { status: response.status, headers: response.headers, text };
  }

  it("answers the Web API as Slack does, with Slack's refusals", async () => {
    assert.match((await api('auth.test', {})).text, /"user_id":"U0CLAWBOT"/);
    assert.deepEqual(JSON.parse((await api('auth.test', {}, 'xoxb-wrong')).text), {
      ok: false,
      error: 'invalid_auth',
    });
    const socket = JSON.parse((await api('apps.connections.open', {}, 'xapp-fake')).text) as { url: string };
    assert.match(socket.url, new RegExp(`^ws://127\\.0\\.0\\.1:${new URL(url).port}/link/`));
  });

  it('injects the faults it is told, in order, and records every call', async () => {
    const faults = await fetch(`${url}/_control/faults`, {
      method: 'POST',
      body: JSON.stringify({
        method: 'chat.postMessage',
        faults: [{ status: 429, retryAfterSeconds: 1 }, { status: 500 }],
      }),
    });
    assert.equal(faults.status, 200);
    const limited = await api('chat.postMessage', { channel: 'C0GEN', text: 'hi' });
    assert.equal(limited.status, 429);
    assert.equal(limited.headers.get('retry-after'), '1');
    assert.equal((await api('chat.postMessage', { channel: 'C0GEN', text: 'hi' })).status, 500);
    assert.match((await api('chat.postMessage', { channel: 'C0GEN', text: 'hi' })).text, /"ok":true/);
    const { calls } = (await (await fetch(`${url}/_control/calls`)).json()) as {
      calls: { method: string; status: number; params: Record<string, unknown> }[];
    };
    assert.deepEqual(
      calls.filter((call) => call.method === 'chat.postMessage').map((call) => call.status),
      [429, 500, 200],
    );
    assert.equal(calls.at(-1)?.params.text, 'hi');
    assert.equal(calls.at(-1)?.params.token, undefined, 'tokens are not recorded');
  });

  it('posts a person’s message to the Request URL, signed, and answers with its status', async () => {
    const response = await fetch(`${url}/_control/messages`, {
      method: 'POST',
      body: JSON.stringify({ channel: 'D0ADA', user: 'U0ADA', text: 'hello' }),
    });
    const answer = (await response.json()) as { status: number; ts: string; eventId: string };
    assert.equal(answer.status, 200);
    const last = posted.at(-1);
    assert.equal(last?.signed, true);
    assert.equal(last?.body.event_id, answer.eventId);
    assert.deepEqual((last?.body.event as Record<string, unknown>).ts, answer.ts);
  });

  it('forges a signature on request, which the app refuses', async () => {
    const response = await fetch(`${url}/_control/messages?forge=signature`, {
      method: 'POST',
      body: JSON.stringify({ channel: 'D0ADA', user: 'U0ADA', text: 'forged' }),
    });
    assert.equal(((await response.json()) as { status: number }).status, 401);
    assert.equal(posted.at(-1)?.signed, false);
  });
});
