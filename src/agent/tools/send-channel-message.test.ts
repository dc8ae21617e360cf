import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { channelMessageLimits } from '../../api/index.ts';
import { agentTools } from '../../orchestrator/index.ts';
import { createSendChannelMessageTool, type ChannelMessageBody } from './send-channel-message.ts';
import { buildToolSet, type BuildToolSetOptions } from './tool-set.ts';

const context = { signal: new AbortController().signal };
const targets = [
  { channel: 'telegram' as const, chats: ['-1001', '42'] },
  { channel: 'slack' as const, chats: ['C0TEAM'] },
];

function toolWith(
  options: { emit?: (body: ChannelMessageBody) => Promise<void>; maxMessages?: number } = {},
) {
  const emitted: ChannelMessageBody[] = [];
  const tool = createSendChannelMessageTool({
    targets,
    emit:
      options.emit ??
      (async (body) => {
        emitted.push(body);
      }),
    ...(options.maxMessages !== undefined ? { maxMessages: options.maxMessages } : {}),
  });
  return { tool, emitted };
}

describe('send_channel_message', () => {
  it('emits a channel_message event for a chat the instance names', async () => {
    const { tool, emitted } = toolWith();
    const result = await tool.run({ channel: 'telegram', chatId: '-1001', text: 'Backups done.' }, context);
    assert.deepEqual(result, { content: 'handed over for delivery to telegram chat -1001', isError: false });
    const threaded = await tool.run(
      { channel: 'slack', chatId: 'C0TEAM', threadId: '1700000000.000100', text: 'Details' },
      context,
    );
    assert.equal(threaded.isError, false);
    assert.deepEqual(emitted, [
      { type: 'channel_message', channel: 'telegram', chatId: '-1001', text: 'Backups done.' },
      {
        type: 'channel_message',
        channel: 'slack',
        chatId: 'C0TEAM',
        threadId: '1700000000.000100',
        text: 'Details',
      },
    ]);
  });

  it('refuses a channel or a chat the instance does not name, saying which it can use', async () => {
    const { tool, emitted } = toolWith();
    const otherChannel = await tool.run({ channel: 'discord', chatId: '-1001', text: 'hi' }, context);
    assert.equal(otherChannel.isError, true);
    assert.equal(
      otherChannel.content,
      'the instance names no discord chats to post to; chats: telegram -1001, telegram 42, slack C0TEAM',
    );
    const otherChat = await tool.run({ channel: 'telegram', chatId: '99', text: 'hi' }, context);
    assert.equal(otherChat.isError, true);
    assert.match(otherChat.content, /^telegram chat 99 is not one the instance names; chats: telegram -1001/);
    assert.deepEqual(emitted, []);
  });

  it('refuses blank text and more messages than a run may send', async () => {
    const { tool, emitted } = toolWith({ maxMessages: 1 });
    assert.equal(
      (await tool.run({ channel: 'telegram', chatId: '42', text: '  \n' }, context)).isError,
      true,
    );
    assert.equal(
      (await tool.run({ channel: 'telegram', chatId: '42', text: 'one' }, context)).isError,
      false,
    );
    const second = await tool.run({ channel: 'telegram', chatId: '42', text: 'two' }, context);
    assert.deepEqual(second, {
      content: 'this run has sent its 1 messages; no more can be sent',
      isError: true,
    });
    assert.equal(emitted.length, 1);
  });

  it('tells the model when the event could not be written', async () => {
    const { tool } = toolWith({
      emit: async () => {
        throw new Error('disk full');
      },
    });
    const result = await tool.run({ channel: 'telegram', chatId: '42', text: 'hi' }, context);
    assert.deepEqual(result, {
      content: 'the message could not be handed over for sending: disk full',
      isError: true,
    });
  });

  it('lists the chats it can post to in its description', () => {
    const { tool } = toolWith();
    assert.match(tool.spec.description, /telegram -1001, telegram 42, slack C0TEAM/);
  });
});

describe('buildToolSet: send_channel_message', () => {
  const emitted: ChannelMessageBody[] = [];
  const build = (overrides: Partial<BuildToolSetOptions> = {}) =>
    buildToolSet({
      allowed: agentTools,
      sandboxEnabled: false,
      featureGates: { 'channel-send': true },
      egressPolicy: { denyAll: true, allowedHosts: [] },
      channelSend: { targets, emit: async (body) => void emitted.push(body) },
      ...overrides,
    });
  const offered = (overrides: Partial<BuildToolSetOptions> = {}) =>
    build(overrides).specs.map((spec) => spec.name);

  it('is offered when the gate is on and the run has chats to post to', () => {
    assert.deepEqual(offered(), ['send_channel_message']);
  });

  it('is not offered with the gate off, without chats, or outside the run’s tool list', async () => {
    assert.deepEqual(offered({ featureGates: { 'channel-send': false } }), []);
    assert.deepEqual(offered({ featureGates: {} }), []);
    assert.deepEqual(offered({ channelSend: undefined }), []);
    assert.deepEqual(offered({ channelSend: { targets: [], emit: async () => undefined } }), []);
    assert.deepEqual(offered({ allowed: ['read_file'] }), []);
    const refused = await build({ channelSend: undefined }).call(
      'send_channel_message',
      JSON.stringify({ channel: 'telegram', chatId: '42', text: 'hi' }),
      context,
    );
    assert.equal(refused.outcome, 'refused');
    assert.match(refused.content, /the instance names no chats this run could post to/);
    const gateOff = await build({ featureGates: {} }).call('send_channel_message', '{}', context);
    assert.match(gateOff.content, /the channel-send feature gate is off/);
  });

  it('validates the arguments before the tool sees them', async () => {
    const tools = build();
    const call = async (args: object) =>
      await tools.call('send_channel_message', JSON.stringify(args), context);
    const missing = await call({ channel: 'telegram', chatId: '42' });
    assert.equal(missing.outcome, 'error');
    assert.match(missing.content, /missing required argument "text"/);
    const unknownChannel = await call({ channel: 'irc', chatId: '42', text: 'hi' });
    assert.match(unknownChannel.content, /"channel" must be one of telegram, slack, discord, whatsapp/);
    const tooLong = await call({
      channel: 'telegram',
      chatId: '42',
      text: 'x'.repeat(channelMessageLimits.reply + 1),
    });
    assert.equal(tooLong.outcome, 'error');
    assert.match(tooLong.content, /"text" must NOT have more than 65536 characters/);
    const badThread = await call({ channel: 'telegram', chatId: '42', threadId: 'a:b', text: 'hi' });
    assert.equal(badThread.outcome, 'error');
    const extra = await call({ channel: 'telegram', chatId: '42', text: 'hi', replyTo: '1' });
    assert.match(extra.content, /unknown argument "replyTo"/);
    assert.deepEqual(emitted, []);
    const sent = await call({ channel: 'telegram', chatId: '42', text: 'hi' });
    assert.equal(sent.outcome, 'ok');
    assert.deepEqual(emitted, [{ type: 'channel_message', channel: 'telegram', chatId: '42', text: 'hi' }]);
  });
});
