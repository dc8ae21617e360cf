// The sentences the event stream client says when the API server refuses a stream or one ends.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describeStreamClose, explainStreamRefusal } from './event-stream-client.ts';

describe('explainStreamRefusal', () => {
  const cases: [number, unknown, string][] = [
    [
      401,
      { code: 'Unauthorized', message: 'invalid bearer token' },
      'the API server did not accept the token (401): invalid bearer token',
    ],
    [
      403,
      { code: 'Forbidden', message: 'cannot get agentruns' },
      'permission denied (403): cannot get agentruns',
    ],
    [404, { code: 'NotFound', message: 'agentrun "x" not found' }, 'not found (404): agentrun "x" not found'],
    [503, { message: 'too many event streams' }, 'the API server answered 503: too many event streams'],
    [502, undefined, 'the API server answered 502'],
    [200, { items: [] }, 'the API server closed the stream before it opened'],
  ];
  for (const [status, body, sentence] of cases)
    it(`${status}`, () => assert.equal(explainStreamRefusal(status, body), sentence));
});

describe('describeStreamClose', () => {
  const cases: [number, string, string][] = [
    [1000, 'run completed', 'run completed'],
    [1000, '', 'the stream ended'],
    [1001, 'server stopping', 'the API server is stopping (server stopping)'],
    [1008, 'too slow', 'the stream fell behind and was closed'],
    [1006, '', 'the stream was lost (1006)'],
    [1011, 'bus failed', 'the stream was lost (1011 bus failed)'],
  ];
  for (const [code, reason, sentence] of cases)
    it(`${code} ${reason}`, () => assert.equal(describeStreamClose(code, reason), sentence));
});
