import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { planAccess, type AccessCandidate, type AccessControl } from './access-control.ts';

const direct: AccessCandidate = {
  senderId: '42',
  senderUsername: 'ada',
  senderIsBot: false,
  fromSelf: false,
  chatId: '42',
  chatKind: 'direct',
  addressedToBot: false,
};
const group: AccessCandidate = { ...direct, chatId: '-100', chatKind: 'group' };

describe('planAccess', () => {
  const cases: [string, AccessCandidate, AccessControl, ReturnType<typeof planAccess>['action']][] = [
    ['anyone, when nothing is restricted', direct, {}, 'accept'],
    ['a listed sender by id', direct, { allowedSenders: ['42'] }, 'accept'],
    ['a listed sender by handle', direct, { allowedSenders: ['ada'] }, 'accept'],
    ['a listed sender by @handle', direct, { allowedSenders: ['@ada'] }, 'accept'],
    ['an unlisted sender', direct, { allowedSenders: ['7'] }, 'deny'],
    ['an empty sender list allows nobody', direct, { allowedSenders: [] }, 'deny'],
    ['a listed chat', group, { allowedChats: ['-100'] }, 'ignore'],
    ['a group message that mentions the bot', { ...group, addressedToBot: true }, {}, 'accept'],
    ['a group message not addressed to the bot', group, {}, 'ignore'],
    ['an unlisted chat', { ...group, addressedToBot: true }, { allowedChats: ['-200'] }, 'deny'],
    ['the bot itself (no loops)', { ...direct, fromSelf: true }, {}, 'ignore'],
    ['another bot (no loops)', { ...direct, senderIsBot: true }, {}, 'ignore'],
    ['another bot even when allowed', { ...direct, senderIsBot: true }, { allowedSenders: ['42'] }, 'ignore'],
    [
      'a bot mentioning the bot in a group',
      { ...group, senderIsBot: true, addressedToBot: true },
      {},
      'ignore',
    ],
  ];
  for (const [name, candidate, rules, action] of cases) {
    it(name, () => assert.equal(planAccess(candidate, rules).action, action));
  }

  it('answers the refused with the deny message when there is one, else with nothing', () => {
    assert.deepEqual(planAccess(direct, { allowedSenders: ['7'], denyMessage: 'Not for you.' }), {
      action: 'deny',
      reason: 'the sender is not allowed',
      reply: 'Not for you.',
    });
    assert.deepEqual(planAccess(direct, { allowedSenders: ['7'] }), {
      action: 'deny',
      reason: 'the sender is not allowed',
    });
  });
});
