import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { channelMessageLimits } from './channel-messages.ts';
import { runEventBodySchema, runEventSchema, runEventTypes } from './run-events.ts';
import { compileMessageValidator } from './validation.ts';

const validateBody = compileMessageValidator(runEventBodySchema);
const validateEvent = compileMessageValidator(runEventSchema);

const message = { type: 'channel_message', channel: 'telegram', chatId: '-100123', text: 'Good morning' };

describe('run event schema', () => {
  it('names every body type in runEventTypes, and nothing else', () => {
    const literals = runEventBodySchema.anyOf.map((body) => body.properties.type.const as string);
    assert.deepEqual([...literals].sort(), [...runEventTypes].sort());
  });

  it('accepts a channel_message with and without a thread, on the bus as in a file', () => {
    assert.equal(validateBody(message).ok, true);
    assert.equal(
      validateBody({ ...message, channel: 'slack', chatId: 'C012AB3CD', threadId: '1700000000.000100' }).ok,
      true,
    );
    const event = {
      id: 'e-4',
      seq: 4,
      time: '2026-11-30T08:00:00.000Z',
      identity: { namespace: 'team', instance: 'claw', run: 'morning-1', runUid: 'uid-1' },
      body: message,
    };
    assert.equal(validateEvent(event).ok, true);
  });

  it('refuses a channel_message the channels could not deliver', () => {
    const refused = (body: object) => !validateBody({ ...message, ...body }).ok;
    assert.ok(refused({ channel: 'irc' }), 'an unknown channel type');
    assert.ok(refused({ chatId: '' }), 'an empty chat id');
    assert.ok(refused({ chatId: 'a:b' }), 'a chat id that is not one session key token');
    assert.ok(refused({ threadId: 'two words' }), 'a thread id with a space');
    assert.ok(refused({ text: '' }), 'no text');
    assert.ok(refused({ text: 'x'.repeat(channelMessageLimits.reply + 1) }), 'a text over the reply limit');
    const { text: _text, ...withoutText } = message;
    assert.equal(validateBody(withoutText).ok, false, 'a missing text');
  });
});
