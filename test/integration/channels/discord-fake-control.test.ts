// The Discord fake as a program: its Gateway (with Node's own WebSocket client: HELLO, IDENTIFY
// checked for the token and the intents, READY, GUILD_CREATE, MESSAGE_CREATE with sequence numbers,
// content hidden without MESSAGE_CONTENT, RESUME) and REST, driven through the control API.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const main = fileURLToPath(new URL('../../fakes/discord/main.ts', import.meta.url));
const token = 'fake-program-token';
const intents = { guilds: 1, guildMessages: 1 << 9, directMessages: 1 << 12, messageContent: 1 << 15 };
const ada = { id: '100000000000000042', username: 'ada' };

interface Payload {
  op: number;
  t: string | null;
  s: number | null;
  d: Record<string, unknown> & { heartbeat_interval?: number };
}

/** A Gateway client that keeps every payload and close it got. */
class GatewayClient {
  readonly payloads: Payload[] = [];
  closeCode: number | undefined;
  private readonly socket: WebSocket;

  constructor(url: string) {
    this.socket = new WebSocket(url);
    this.socket.addEventListener('message', (event) =>
      this.payloads.push(JSON.parse(String(event.data)) as Payload),
    );
    this.socket.addEventListener('close', (event) => (this.closeCode = event.code));
  }

  send(payload: unknown): void {
    this.socket.send(JSON.stringify(payload));
  }

  async next(what: string, match: (payload: Payload) => boolean): Promise<Payload> {
    for (let i = 0; i < 200; i += 1) {
      const found = this.payloads.find(match);
      if (found) return found;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    throw new Error(`no ${what} from the Gateway`);
  }

  async closed(): Promise<number> {
    for (let i = 0; i < 200 && this.closeCode === undefined; i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    assert.ok(this.closeCode !== undefined, 'the Gateway did not close');
    return this.closeCode;
  }

  close(): void {
    this.socket.close();
  }
}

describe('the Discord fake program', () => {
  let child: ChildProcess;
  let base = '';
  let guild: { id: string; channelId: string; threadId: string };
  let bot: { id: string };

  async function rest(method: string, path: string, body?: unknown, auth = `Bot ${token}`) {
    const response = await fetch(`${base}/api/v10${path}`, {
      method,
      headers: { authorization: auth, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    return {
      status: response.status,
      headers: response.headers,
      body: (await response.json()) as Record<string, unknown>,
    };
  }

  async function control(method: string, path: string, body?: unknown) {
    const response = await fetch(`${base}/_control/${path}`, {
      method,
      ...(body ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) } : {}),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  async function identify(withIntents: number, withToken = token) {
    const gateway = await rest('GET', '/gateway/bot');
    assert.equal(gateway.status, 200);
    const client = new GatewayClient(`${String(gateway.body.url)}?v=10&encoding=json`);
    const hello = await client.next('HELLO', (p) => p.op === 10);
    assert.equal(hello.d.heartbeat_interval, 500);
    client.send({ op: 2, d: { token: withToken, intents: withIntents, properties: { os: 'linux' } } });
    return client;
  }

  before(async () => {
    child = spawn(process.execPath, [main], {
      env: {
        PATH: process.env.PATH,
        DISCORD_BOT_TOKEN: token,
        PORT: '0',
        HOST: '127.0.0.1',
        DISCORD_HEARTBEAT_INTERVAL_MS: '500',
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream })[Symbol.asyncIterator]();
    const first = JSON.parse((await lines.next()).value as string) as {
      port: number;
      guild: typeof guild;
      bot: typeof bot;
    };
    base = `http://127.0.0.1:${first.port}`;
    guild = first.guild;
    bot = first.bot;
  });
  after(async () => {
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    const [code] = await exited;
    assert.equal(code, 0);
  });

  it('refuses a wrong token on REST and on the Gateway', async () => {
    const refused = await rest('GET', '/users/@me', undefined, 'Bot nope');
    assert.deepEqual([refused.status, refused.body], [401, { message: '401: Unauthorized', code: 0 }]);
    const client = await identify(intents.guilds, 'nope');
    assert.equal(await client.closed(), 4004);
  });

  it('identifies, acknowledges heartbeats and dispatches pushed messages with sequence numbers', async () => {
    const all = intents.guilds | intents.guildMessages | intents.directMessages | intents.messageContent;
    const client = await identify(all);
    const ready = await client.next('READY', (p) => p.t === 'READY');
    assert.equal(ready.s, 1);
    assert.equal((ready.d.user as { id: string }).id, bot.id);
    assert.match(String(ready.d.resume_gateway_url), /^ws:\/\/127\.0\.0\.1:\d+\/resume$/);
    const guildCreate = await client.next('GUILD_CREATE', (p) => p.t === 'GUILD_CREATE');
    assert.equal(guildCreate.d.id, guild.id);
    client.send({ op: 1, d: 2 });
    await client.next('HEARTBEAT_ACK', (p) => p.op === 11);

    const pushed = await control('POST', 'messages', {
      channelId: guild.channelId,
      author: ada,
      content: 'hi all',
    });
    assert.equal(pushed.status, 200);
    assert.equal(pushed.body.sessions, 1);
    const dispatched = await client.next('MESSAGE_CREATE', (p) => p.t === 'MESSAGE_CREATE');
    assert.equal(dispatched.s, 3);
    assert.equal(dispatched.d.id, pushed.body.messageId);
    assert.equal(dispatched.d.content, 'hi all');
    assert.equal(dispatched.d.guild_id, guild.id);
    client.close();
  });

  it('hides guild message content from a bot without MESSAGE_CONTENT, unless it is mentioned', async () => {
    const client = await identify(intents.guilds | intents.guildMessages);
    await client.next('READY', (p) => p.t === 'READY');
    await control('POST', 'messages', { channelId: guild.channelId, author: ada, content: 'secret' });
    await control('POST', 'messages', {
      channelId: guild.channelId,
      author: ada,
      content: `<@${bot.id}> visible`,
    });
    // READY is 1 (no GUILDS intent, no GUILD_CREATE): the two messages are 2 and 3
    await client.next('the second message', (p) => p.t === 'MESSAGE_CREATE' && p.s === 3);
    const messages = client.payloads.filter((p) => p.t === 'MESSAGE_CREATE');
    assert.deepEqual(
      messages.map((p) => p.d.content),
      ['', `<@${bot.id}> visible`],
    );
    client.close();
  });

  it('resumes a dropped session with the dispatches it missed', async () => {
    const client = await identify(intents.directMessages);
    const ready = await client.next('READY', (p) => p.t === 'READY');
    await control('POST', 'drop-connections');
    await client.closed();
    await control('POST', 'messages', {
      channelId: '800000000000000042',
      author: ada,
      content: 'while away',
    });
    const resumed = new GatewayClient(`${String(ready.d.resume_gateway_url)}?v=10&encoding=json`);
    await resumed.next('HELLO', (p) => p.op === 10);
    resumed.send({ op: 6, d: { token, session_id: ready.d.session_id, seq: ready.s } });
    const missed = await resumed.next('the missed message', (p) => p.t === 'MESSAGE_CREATE');
    assert.equal(missed.d.content, 'while away');
    assert.equal(missed.d.guild_id, undefined);
    await resumed.next('RESUMED', (p) => p.t === 'RESUMED');
    resumed.close();
  });

  it('records REST calls and answers with injected faults as Discord does', async () => {
    const faults = await control('POST', 'faults', {
      method: 'createMessage',
      faults: [{ status: 429, retryAfterSeconds: 2 }, { status: 500 }],
    });
    assert.equal(faults.status, 200);
    const limited = await rest('POST', `/channels/${guild.channelId}/messages`, { content: 'one' });
    assert.equal(limited.status, 429);
    assert.equal(limited.body.retry_after, 2);
    assert.equal(limited.headers.get('retry-after'), '2');
    assert.equal(limited.headers.get('x-ratelimit-remaining'), '0');
    assert.equal(
      (await rest('POST', `/channels/${guild.channelId}/messages`, { content: 'one' })).status,
      500,
    );
    const created = await rest('POST', `/channels/${guild.channelId}/messages`, { content: 'one' });
    assert.equal(created.status, 200);
    const unknown = await rest('GET', '/channels/123');
    assert.deepEqual([unknown.status, unknown.body], [404, { message: 'Unknown Channel', code: 10003 }]);
    const { body } = await control('GET', 'calls');
    const calls = (body.calls as { method: string; status: number; body?: { content?: string } }[]).filter(
      (call) => call.method === 'createMessage',
    );
    assert.deepEqual(
      calls.map((call) => [call.status, call.body?.content]),
      [
        [429, 'one'],
        [500, 'one'],
        [200, 'one'],
      ],
    );
    const bad = await control('POST', 'messages', { channelId: 'general', author: ada, content: 'x' });
    assert.equal(bad.status, 400);
  });
});
