import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildTerminationMessage, secretValues } from './termination-message.ts';

describe('a channel’s termination message', () => {
  it('says the error and its causes on one line', () => {
    const error = new Error('the channel stopped receiving messages', {
      cause: new Error("Call to 'getMe' failed!\n(401: Unauthorized)"),
    });
    assert.equal(
      buildTerminationMessage(error, []),
      "the channel stopped receiving messages: Call to 'getMe' failed! (401: Unauthorized)",
    );
  });

  it('never shows a secret of the pod, not even inside a URL', () => {
    const token = '123456:AAH-secret-token';
    const error = new Error(`request to https://api.telegram.org/bot${token}/getMe failed`);
    const message = buildTerminationMessage(error, secretValues({ TELEGRAM_BOT_TOKEN: token, PATH: '/bin' }));
    assert.equal(message, 'request to https://api.telegram.org/bot***/getMe failed');
  });

  it('finds the secrets by the names of their variables', () => {
    assert.deepEqual(
      secretValues({
        SLACK_BOT_TOKEN: 'xoxb-1',
        SLACK_SIGNING_SECRET: 'abcd',
        WHATSAPP_APP_SECRET: 'x',
        INSTANCE_NAME: 'claw',
      }),
      ['xoxb-1', 'abcd'],
    );
  });

  it('stays short', () => {
    assert.ok(buildTerminationMessage(new Error('x'.repeat(5000)), []).length <= 512);
  });
});
