import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { answerVerification } from './whatsapp-verification.ts';

const query = (params: Record<string, string>) => new URLSearchParams(params);

describe('the webhook verification handshake', () => {
  it('answers the challenge when the mode is subscribe and the verify token is ours', () => {
    assert.deepEqual(
      answerVerification(
        query({ 'hub.mode': 'subscribe', 'hub.verify_token': 'our-token', 'hub.challenge': '1158201444' }),
        'our-token',
      ),
      { status: 200, body: '1158201444' },
    );
  });

  it('answers 403 to another token, another mode, or a missing part', () => {
    const cases: Record<string, string>[] = [
      { 'hub.mode': 'subscribe', 'hub.verify_token': 'their-token', 'hub.challenge': '1' },
      { 'hub.mode': 'subscribe', 'hub.verify_token': 'our-token-and-more', 'hub.challenge': '1' },
      { 'hub.mode': 'unsubscribe', 'hub.verify_token': 'our-token', 'hub.challenge': '1' },
      { 'hub.mode': 'subscribe', 'hub.challenge': '1' },
      { 'hub.mode': 'subscribe', 'hub.verify_token': 'our-token' },
      {},
    ];
    for (const params of cases) {
      assert.equal(answerVerification(query(params), 'our-token').status, 403, JSON.stringify(params));
    }
  });
});
