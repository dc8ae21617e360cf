import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkPathParameters } from './path-parameters.ts';

describe('path parameters', () => {
  it('takes session keys with the characters the AgentRun schema allows, decoded', () => {
    assert.doesNotThrow(() =>
      checkPathParameters({ namespace: 'team-a', name: 'claw', sessionKey: 'telegram:42/thread@x+y=z' }),
    );
  });

  it('refuses a session key with other characters or too long, naming the parameter', () => {
    for (const sessionKey of ['has space', 'semi;colon', '', 'k'.repeat(257)]) {
      assert.throws(
        () => checkPathParameters({ namespace: 'team-a', name: 'claw', sessionKey }),
        (error: { body?: { fields?: { field: string }[] } }) =>
          error.body?.fields?.[0]?.field === 'sessionKey',
        JSON.stringify(sessionKey),
      );
    }
  });

  it('still checks names as object names', () => {
    assert.throws(() => checkPathParameters({ namespace: 'team-a', name: 'Not:A:Name' }));
  });
});
