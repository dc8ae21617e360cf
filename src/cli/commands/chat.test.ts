// The pure parts of `k8sclaw chat`: the session key it makes up, and what it says for each answer
// of the messages endpoint.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildSessionKey, planChatOutcome } from './chat.ts';

describe('buildSessionKey', () => {
  it('is cli:<user>-<random>, and a valid session key for any user name', () => {
    assert.equal(buildSessionKey('ada', '0a1b2c3d'), 'cli:ada-0a1b2c3d');
    assert.equal(buildSessionKey('Ada Lovelace (home)', 'ff'), 'cli:Ada-Lovelace-home-ff');
    assert.equal(buildSessionKey('', 'ff'), 'cli:user-ff');
    assert.equal(buildSessionKey('x'.repeat(300), 'ff'), `cli:${'x'.repeat(64)}-ff`);
    for (const key of [buildSessionKey('ünïcode user', '12'), buildSessionKey('a/b:c', '12')])
      assert.match(key, /^[A-Za-z0-9._:/@+=-]{1,256}$/);
  });
});

describe('planChatOutcome', () => {
  const run = { namespace: 'team-a', name: 'alice-x7k2p', uid: 'u' };
  it('gives the reply of a run that succeeded', () => {
    assert.deepEqual(planChatOutcome(200, { run, status: 'succeeded', reply: 'Hello.' }, 60), {
      reply: 'Hello.',
    });
  });
  it('names the run that failed, with its error', () => {
    assert.deepEqual(planChatOutcome(200, { run, status: 'failed', error: 'model unreachable' }, 60), {
      error: 'run "alice-x7k2p" failed: model unreachable',
    });
  });
  it('says the wait ran out and how to follow the run on a 202', () => {
    assert.deepEqual(planChatOutcome(202, { run, status: 'Accepted' }, 60), {
      error: 'no reply within 60 s; run "alice-x7k2p" is still going (see k8sclaw runs get alice-x7k2p)',
    });
  });
  it("passes on the API server's message for a refusal", () => {
    assert.deepEqual(planChatOutcome(401, { code: 'Unauthorized', message: 'invalid bearer token' }, 60), {
      error: 'the API server did not accept the token (401): invalid bearer token',
    });
    assert.deepEqual(planChatOutcome(403, { code: 'Forbidden', message: 'cannot create agentruns' }, 60), {
      error: 'permission denied (403): cannot create agentruns',
    });
    assert.deepEqual(planChatOutcome(503, { message: 'the session store is unavailable' }, 60), {
      error: 'the API server answered 503: the session store is unavailable',
    });
    assert.deepEqual(planChatOutcome(502, 'not json', 60), { error: 'the API server answered 502' });
  });
});
