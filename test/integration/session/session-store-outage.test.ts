// The session store while PostgreSQL restarts: every operation rejects with the `unavailable`
// error while the server is down (so the API can answer 503 instead of waiting), the same store
// recovers by itself once the server is back, and nothing accepted before the outage is lost.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  buildCondensedTranscript,
  isSessionStoreUnavailable,
  SessionStore,
  type SessionStoreError,
} from '../../../src/session/index.ts';
import { eventually } from '../../harness/eventually.ts';
import { startPostgres, type PostgresServer } from '../../harness/postgres.ts';
import { buildEvent, buildIdentity, createDatabase, messageIdOf } from './session-fixtures.ts';

describe('session store while PostgreSQL restarts', () => {
  let server: PostgresServer;
  let store: SessionStore;
  const idleErrors: SessionStoreError[] = [];
  const ref = { namespace: 'team-o', instance: 'claw', sessionKey: 'telegram:outage' };

  before(async () => {
    server = await startPostgres();
    const url = await createDatabase(server, 'outage');
    store = new SessionStore({
      databaseUrl: url,
      connectTimeoutMs: 1000,
      onIdleConnectionError: (error) => idleErrors.push(error),
    });
    await store.migrate();
  });
  after(async () => {
    await store?.close();
    await server?.stop();
  });

  it(
    'rejects as unavailable while down, then recovers by itself with nothing lost',
    { timeout: 120_000 },
    async () => {
      const identity = buildIdentity('before', { namespace: 'team-o' });
      const run = { name: identity.run, uid: identity.runUid };
      await store.appendMessage(ref, { idempotencyKey: `${run.uid}:user`, role: 'user', content: 'q1', run });
      await store.appendMessage(ref, {
        idempotencyKey: `${run.uid}:assistant`,
        role: 'assistant',
        content: 'a1',
        run,
      });
      const started = buildEvent(identity, 1, { type: 'started', provider: 'openai', model: 'gpt' });
      await store.recordRunEvent(messageIdOf(started), started);
      const record = {
        identity,
        sessionKey: ref.sessionKey,
        status: 'succeeded' as const,
        usage: { input: 10, output: 2 },
        transcript: buildCondensedTranscript([started]),
      };
      await store.recordRun(record);
      // leaves open connections in the pool, which the shutdown ends
      await Promise.all([
        store.listMessages(ref),
        store.fetchSession(ref),
        store.fetchInstanceUsage('team-o', 'claw'),
      ]);

      await server.halt();
      const laterIdentity = buildIdentity('during', { namespace: 'team-o' });
      const later = { name: laterIdentity.run, uid: laterIdentity.runUid };
      const question = {
        idempotencyKey: `${later.uid}:user`,
        role: 'user' as const,
        content: 'q2',
        run: later,
      };
      const laterEvent = buildEvent(laterIdentity, 1, { type: 'status', message: 'working' });
      const laterRecord = { ...record, identity: laterIdentity, usage: { input: 5, output: 1 } };
      await assert.rejects(store.appendMessage(ref, question), isSessionStoreUnavailable);
      await assert.rejects(
        store.recordRunEvent(messageIdOf(laterEvent), laterEvent),
        isSessionStoreUnavailable,
      );
      await assert.rejects(store.recordRun(laterRecord), isSessionStoreUnavailable);
      await assert.rejects(store.listSessions('team-o', 'claw'), isSessionStoreUnavailable);
      await assert.rejects(
        store.fetchHistory(ref, { maxTurns: 5, maxTokens: 1000 }),
        isSessionStoreUnavailable,
      );
      await assert.rejects(store.migrate(), isSessionStoreUnavailable);
      assert.ok(idleErrors.length > 0, 'the lost idle connections were reported');
      assert.ok(idleErrors.every(isSessionStoreUnavailable), 'as unavailable');

      await server.resume();
      // the same store, with no call to reconnect: the pool replaces the connections it lost
      await eventually(
        'the store answers again',
        async () => (await store.fetchSession(ref)) ?? undefined,
        30_000,
      );

      // what was accepted before the outage is all there
      const messages = await store.listMessages(ref);
      assert.deepEqual(
        messages.items.map((message) => message.content),
        ['q1', 'a1'],
      );
      assert.deepEqual(await store.listRunEvents(identity.runUid), [started]);
      assert.deepEqual((await store.fetchSession(ref))?.usage, { input: 10, output: 2 });

      // the writes refused during the outage, retried now, are stored once
      assert.equal((await store.appendMessage(ref, question)).created, true);
      assert.equal((await store.appendMessage(ref, question)).created, false);
      assert.equal(await store.recordRunEvent(messageIdOf(laterEvent), laterEvent), true);
      assert.equal(await store.recordRunEvent(messageIdOf(laterEvent), laterEvent), false);
      assert.equal(await store.recordRun(laterRecord), true);
      assert.equal(await store.recordRun(laterRecord), false);
      assert.deepEqual(await store.fetchInstanceUsage('team-o', 'claw'), {
        usage: { input: 15, output: 3 },
        runs: 2,
      });
    },
  );
});
