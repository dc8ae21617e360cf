import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { toSessionStoreError } from './pg-error.ts';
import {
  isSessionStoreUnavailable,
  SessionStoreError,
  sessionStoreErrorCodes,
} from './session-store-error.ts';

/** Errors shaped as pg and node:net throw them (pg's DatabaseError carries the SQLSTATE as `code`). */
const withCode = (message: string, code: string): Error => Object.assign(new Error(message), { code });

describe('toSessionStoreError', () => {
  const cases: { name: string; error: unknown; want: string; sqlState?: string }[] = [
    {
      name: 'connection refused',
      error: withCode('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED'),
      want: 'unavailable',
    },
    {
      name: 'connection refused on every address (AggregateError)',
      error: new AggregateError([withCode('connect ECONNREFUSED ::1:5432', 'ECONNREFUSED')], 'all failed'),
      want: 'unavailable',
    },
    { name: 'connection reset', error: withCode('read ECONNRESET', 'ECONNRESET'), want: 'unavailable' },
    {
      name: 'pg: connection terminated',
      error: new Error('Connection terminated unexpectedly'),
      want: 'unavailable',
    },
    {
      name: 'pg pool: connect timeout',
      error: new Error('timeout exceeded when trying to connect'),
      want: 'unavailable',
    },
    {
      name: 'pg: connection timeout',
      error: new Error('Connection terminated due to connection timeout'),
      want: 'unavailable',
    },
    {
      name: 'admin shutdown (57P01)',
      error: withCode('terminating connection due to administrator command', '57P01'),
      want: 'unavailable',
      sqlState: '57P01',
    },
    {
      name: 'starting up (57P03)',
      error: withCode('the database system is starting up', '57P03'),
      want: 'unavailable',
    },
    {
      name: 'connection exception class 08',
      error: withCode('connection failure', '08006'),
      want: 'unavailable',
    },
    {
      name: 'too many connections (53300)',
      error: withCode('too many clients', '53300'),
      want: 'unavailable',
    },
    {
      name: 'wrapped in a cause',
      error: new Error('outer', { cause: withCode('x', 'ECONNREFUSED') }),
      want: 'unavailable',
    },
    { name: 'check violation', error: withCode('violates check constraint', '23514'), want: 'invalidInput' },
    { name: 'value too long', error: withCode('value too long', '22001'), want: 'invalidInput' },
    {
      name: 'syntax error',
      error: withCode('syntax error at or near', '42601'),
      want: 'failed',
      sqlState: '42601',
    },
    {
      name: 'relation missing',
      error: withCode('relation "sessions" does not exist', '42P01'),
      want: 'failed',
    },
    { name: 'an unknown error', error: new Error('boom'), want: 'failed' },
    { name: 'a thrown string', error: 'boom', want: 'failed' },
  ];
  for (const { name, error, want, sqlState } of cases) {
    it(`${name} → ${want}`, () => {
      const got = toSessionStoreError(error, 'listing sessions');
      assert.ok(got instanceof SessionStoreError);
      assert.equal(got.code, sessionStoreErrorCodes[want as keyof typeof sessionStoreErrorCodes]);
      assert.equal(isSessionStoreUnavailable(got), want === 'unavailable');
      assert.equal(got.cause, error);
      assert.match(got.message, /^listing sessions: /);
      if (sqlState) assert.equal(got.sqlState, sqlState);
    });
  }

  it('keeps a SessionStoreError as it is', () => {
    const error = new SessionStoreError(sessionStoreErrorCodes.closed, 'closed');
    assert.equal(toSessionStoreError(error, 'x'), error);
  });
});
