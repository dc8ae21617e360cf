import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildContinueToken, parseContinueToken } from './continue-token.ts';
import { isInvalidContinue } from './session-store-error.ts';

describe('continue tokens', () => {
  it('carry the last key back to the listing that issued them', () => {
    const token = buildContinueToken('sessions/ns/claw', 'telegram:42');
    assert.match(token, /^[A-Za-z0-9_-]+$/);
    assert.equal(parseContinueToken('sessions/ns/claw', token), 'telegram:42');
  });

  const refused: { name: string; token: string }[] = [
    { name: 'a token of another listing', token: buildContinueToken('sessions/ns/other', 'k') },
    { name: 'not base64 JSON', token: '!!!' },
    { name: 'JSON without a key', token: Buffer.from('{"l":"sessions/ns/claw"}').toString('base64url') },
    { name: 'JSON that is not an object', token: Buffer.from('7').toString('base64url') },
  ];
  for (const { name, token } of refused) {
    it(`refuses ${name}`, () => {
      assert.throws(() => parseContinueToken('sessions/ns/claw', token), isInvalidContinue);
    });
  }
});
