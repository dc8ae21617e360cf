// Channel credentials on the bus in operator (JWT) mode: a channel pod publishes its own chat
// messages (a message delivered again is stored once) and the receipts of its own replies, and
// reads its own replies; it cannot publish as another channel, send replies, publish another
// channel's receipts, or read another channel's replies or anyone's receipts. The API server's
// credentials read every channel's messages and receipts and publish replies.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ChannelInboundMessage, ChannelReply, ChannelReplyReceipt } from '../../../src/api/index.ts';
import {
  apiServerInboxPrefix,
  apiServerPermissions,
  buildChannelInboxPrefix,
  channelPermissions,
  connectEventBus,
  controllerPermissions,
  createBusAuthority,
  isPermissionDenied,
  issueUserCredentials,
  type BusAuthority,
  type BusError,
  type ChannelIdentity,
  type EventBus,
} from '../../../src/eventbus/index.ts';
import { eventually } from '../../harness/eventually.ts';
import { startNatsServer, type NatsServer } from '../../harness/nats-server.ts';

function refused(subjectPrefix: string) {
  return (error: unknown) => {
    assert.ok(isPermissionDenied(error), `permission denied, got ${String(error)}`);
    const subject = (error as BusError).subject ?? '';
    assert.ok(subject.startsWith(subjectPrefix), `refused subject ${subject} starts with ${subjectPrefix}`);
    return true;
  };
}

const channelA: ChannelIdentity = { namespace: 'team-a', instance: 'alice', channel: 'telegram' };
const channelB: ChannelIdentity = { namespace: 'team-b', instance: 'bob', channel: 'telegram' };

function chatMessage(channel: ChannelIdentity, id: string): ChannelInboundMessage {
  return {
    id,
    channel: channel.channel,
    namespace: channel.namespace,
    instance: channel.instance,
    instanceUid: `uid-${channel.instance}`,
    chat: { chatId: '42' },
    sender: { id: '42' },
    text: `message ${id}`,
    sentAt: new Date().toISOString(),
  };
}

function reply(id: string): ChannelReply {
  return { id, chat: { chatId: '42' }, status: 'succeeded', text: `reply ${id}` };
}

function receipt(channel: ChannelIdentity, id: string): ChannelReplyReceipt {
  return {
    id,
    run: `run-${id}`,
    channel: channel.channel,
    namespace: channel.namespace,
    instance: channel.instance,
    outcome: 'refused',
    reason: 'Telegram refused a reply: 403 Forbidden',
    parts: 0,
    attempts: 1,
    deliveries: 1,
    at: new Date().toISOString(),
  };
}

describe('channel credentials on the event bus', () => {
  let authority: BusAuthority;
  let nats: NatsServer;
  let apiServer: EventBus;
  const buses: EventBus[] = [];
  const stops: AbortController[] = [];

  async function connectChannel(identity: ChannelIdentity): Promise<EventBus> {
    const bus = await connectEventBus({
      url: nats.url,
      name: `channel-${identity.instance}`,
      credentials: await issueUserCredentials(authority, {
        name: `channel/${identity.namespace}/${identity.instance}`,
        permissions: channelPermissions(identity),
      }),
      inboxPrefix: buildChannelInboxPrefix(identity),
      connectTimeoutMs: 10_000,
    });
    buses.push(bus);
    return bus;
  }

  before(async () => {
    authority = await createBusAuthority();
    nats = await startNatsServer({ authority });
    const controller = await connectEventBus({
      url: nats.url,
      name: 'controller',
      credentials: await issueUserCredentials(authority, {
        name: 'controller',
        permissions: controllerPermissions(),
      }),
      connectTimeoutMs: 10_000,
    });
    await controller.ensureStreams({ timeoutMs: 10_000 });
    await controller.close();
    apiServer = await connectEventBus({
      url: nats.url,
      name: 'apiserver',
      credentials: await issueUserCredentials(authority, {
        name: 'apiserver',
        permissions: apiServerPermissions('k8sclaw-apiserver-run-events'),
      }),
      inboxPrefix: apiServerInboxPrefix,
      connectTimeoutMs: 10_000,
    });
    buses.push(apiServer);
  });

  after(async () => {
    for (const stop of stops) stop.abort();
    await Promise.allSettled(buses.map((bus) => bus.close()));
    await nats?.destroy();
  });

  it('lets a channel publish its own chat messages, each stored once, for the API server to read', async () => {
    const channel = await connectChannel(channelA);
    assert.equal(
      (await channel.publishChannelMessage(channelA, chatMessage(channelA, '1'))).duplicate,
      false,
    );
    assert.equal((await channel.publishChannelMessage(channelA, chatMessage(channelA, '1'))).duplicate, true);
    await channel.publishChannelMessage(channelA, chatMessage(channelA, '2'));
    const received: string[] = [];
    const stop = new AbortController();
    stops.push(stop);
    const done = apiServer.consumeChannelMessages(async (message) => void received.push(message.id), {
      signal: stop.signal,
    });
    await eventually('both messages', async () => (received.length >= 2 ? true : undefined), 15_000);
    stop.abort();
    await done;
    assert.deepEqual(received, ['1', '2']);
  });

  it('refuses a channel publishing as another channel, or publishing replies', async () => {
    const channel = await connectChannel(channelA);
    await assert.rejects(
      channel.publishChannelMessage(channelB, chatMessage(channelB, '3'), { timeoutMs: 5_000 }),
      refused('k8sclaw.channels.in.team-b.bob.telegram'),
    );
    await assert.rejects(
      channel.publishChannelReply(channelA, reply('forged'), { timeoutMs: 5_000 }),
      refused('k8sclaw.channels.out.team-a.alice.telegram'),
    );
  });

  it('lets a channel read its own replies, sent by the API server, and not another channel’s', async () => {
    await apiServer.publishChannelReply(channelA, reply('for-a'));
    await apiServer.publishChannelReply(channelB, reply('for-b'));
    const channel = await connectChannel(channelA);
    const received: string[] = [];
    const stop = new AbortController();
    stops.push(stop);
    const own = channel.consumeChannelReplies(channelA, async (r) => void received.push(r.id), {
      signal: stop.signal,
    });
    await eventually('the reply for channel A', async () => (received.length > 0 ? true : undefined), 15_000);
    const others: string[] = [];
    await assert.rejects(
      channel.consumeChannelReplies(channelB, async (r) => void others.push(r.id), { signal: stop.signal }),
      refused('$JS.API.CONSUMER.CREATE.K8SCLAW_CHANNELS.'),
    );
    stop.abort();
    await own;
    assert.deepEqual(received, ['for-a']);
    assert.deepEqual(others, []);
  });

  it('lets a channel publish its own reply receipts, each stored once, for the API server to read, and no receipt naming another channel', async () => {
    const channel = await connectChannel(channelA);
    assert.equal((await channel.publishChannelReceipt(channelA, receipt(channelA, 'r1'))).duplicate, false);
    assert.equal((await channel.publishChannelReceipt(channelA, receipt(channelA, 'r1'))).duplicate, true);
    // on its own subject, but about another channel's reply: the API server terminates it unread
    await channel.publishChannelReceipt(channelA, receipt(channelB, 'r-forged'));
    await channel.publishChannelReceipt(channelA, receipt(channelA, 'r2'));
    const received: string[] = [];
    const invalid: string[] = [];
    const stop = new AbortController();
    stops.push(stop);
    const done = apiServer.consumeChannelReceipts(async (r) => void received.push(`${r.id}/${r.outcome}`), {
      signal: stop.signal,
      onInvalid: (message) => invalid.push(message.reason),
    });
    await eventually('both receipts', async () => (received.length >= 2 ? true : undefined), 15_000);
    stop.abort();
    await done;
    assert.deepEqual(received, ['r1/refused', 'r2/refused']);
    assert.deepEqual(invalid, ['payload names another channel than its subject']);
  });

  it('refuses a channel publishing another channel’s receipts or reading receipts', async () => {
    const channel = await connectChannel(channelA);
    await assert.rejects(
      channel.publishChannelReceipt(channelB, receipt(channelB, 'forged'), { timeoutMs: 5_000 }),
      refused('k8sclaw.channels.receipts.team-b.bob.telegram'),
    );
    const stop = new AbortController();
    stops.push(stop);
    await assert.rejects(
      channel.consumeChannelReceipts(async () => undefined, { signal: stop.signal }),
      refused('$JS.API.CONSUMER.CREATE.K8SCLAW_CHANNELS.k8sclaw-apiserver-channel-receipts.'),
    );
  });
});
