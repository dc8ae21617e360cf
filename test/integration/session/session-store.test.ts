// The session store against a real PostgreSQL: migrations applied once by replicas starting
// together, idempotent writes under retries and concurrency, keyset pagination, exact token totals
// and the history a new run sees.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import {
  buildCondensedTranscript,
  defaultMigrationsDir,
  isInvalidContinue,
  migrationsTable,
  SessionStore,
  type SessionRef,
} from '../../../src/session/index.ts';
import { startPostgres, type PostgresServer } from '../../harness/postgres.ts';
import { buildEvent, buildIdentity, createDatabase, messageIdOf, psql } from './session-fixtures.ts';

const migrationFiles = readdirSync(defaultMigrationsDir()).filter((name) => name.endsWith('.sql'));

describe('session store', () => {
  let server: PostgresServer;
  let url: string;
  let store: SessionStore;
  const chat: SessionRef = { namespace: 'team-a', instance: 'claw', sessionKey: 'telegram:42' };

  before(async () => {
    server = await startPostgres();
    url = await createDatabase(server, 'sessions');
    store = new SessionStore({ databaseUrl: url });
    await store.migrate();
  });
  after(async () => {
    await store?.close();
    await server?.stop();
  });

  describe('migrations', () => {
    it('two replicas migrating a new database at once apply each migration once', async () => {
      const fresh = await createDatabase(server, 'replicas');
      const replicas = [new SessionStore({ databaseUrl: fresh }), new SessionStore({ databaseUrl: fresh })];
      try {
        const applied = await Promise.all(replicas.map((replica) => replica.migrate()));
        assert.deepEqual(
          applied.flat().sort(),
          migrationFiles.map((name) => name.replace(/\.sql$/, '')).sort(),
        );
        assert.equal(
          await psql(fresh, `SELECT count(*) FROM ${migrationsTable}`),
          String(migrationFiles.length),
        );
        assert.deepEqual(await replicas[0]?.migrate(), [], 'nothing left to apply');
      } finally {
        await Promise.all(replicas.map((replica) => replica.close()));
      }
    });
  });

  describe('messages', () => {
    it('stores a message once however often and however concurrently it is appended', async () => {
      const ref = { ...chat, sessionKey: 'telegram:concurrent' };
      const message = {
        idempotencyKey: 'uid-1:user',
        role: 'user' as const,
        content: 'hello',
        run: { name: 'r1', uid: 'uid-1' },
      };
      const results = await Promise.all(Array.from({ length: 20 }, () => store.appendMessage(ref, message)));
      assert.equal(results.filter((result) => result.created).length, 1);
      assert.equal(new Set(results.map((result) => result.message.id)).size, 1);
      const retried = await store.appendMessage(ref, { ...message, content: 'hello again' });
      assert.equal(retried.created, false);
      assert.equal(retried.message.content, 'hello', 'the message stored first is kept');
      const page = await store.listMessages(ref);
      assert.deepEqual(
        page.items.map((item) => [item.idempotencyKey, item.content, item.run?.uid]),
        [['uid-1:user', 'hello', 'uid-1']],
      );
      assert.equal(
        await psql(url, `SELECT count(*) FROM sessions WHERE session_key = 'telegram:concurrent'`),
        '1',
      );
    });

    it('stores a text with U+0000 (which PostgreSQL refuses) with a replacement character', async () => {
      const { message } = await store.appendMessage(chat, {
        idempotencyKey: 'nul',
        role: 'assistant',
        content: 'a\u0000b',
        usage: { input: 3, output: 4 },
      });
      assert.equal(message.content, 'a\uFFFDb');
      assert.deepEqual(message.usage, { input: 3, output: 4 });
    });
  });

  describe('run events', () => {
    const identity = buildIdentity('events');
    const events = [
      buildEvent(identity, 1, { type: 'started', provider: 'openai', model: 'gpt' }),
      buildEvent(identity, 2, { type: 'chunk', text: 'a\u0000' }),
      buildEvent(identity, 3, { type: 'status', message: 'thinking' }),
    ];

    it('stores an event once per message id under concurrent redeliveries', async () => {
      const first = events[0]!;
      const stored = await Promise.all(
        Array.from({ length: 20 }, () => store.recordRunEvent(messageIdOf(first), first)),
      );
      assert.equal(stored.filter(Boolean).length, 1);
      assert.equal(await store.recordRunEvent(messageIdOf(first), first), false);
    });

    it('lists a run’s events in run order, from a given point', async () => {
      for (const event of [events[2]!, events[1]!])
        assert.equal(await store.recordRunEvent(messageIdOf(event), event), true);
      const other = buildEvent(buildIdentity('other'), 1, { type: 'status', message: 'elsewhere' });
      await store.recordRunEvent(messageIdOf(other), other);
      const all = await store.listRunEvents(identity.runUid);
      assert.deepEqual(
        all.map((event) => event.seq),
        [1, 2, 3],
      );
      assert.deepEqual(all[1]?.body, { type: 'chunk', text: 'a\uFFFD' });
      assert.deepEqual(all[0], events[0]);
      const rest = await store.listRunEvents(identity.runUid, { afterSeq: 1, limit: 1 });
      assert.deepEqual(
        rest.map((event) => event.seq),
        [2],
      );
    });
  });

  describe('pagination', () => {
    it('lists an instance’s sessions page by page in key order, each once', async () => {
      const keys = Array.from({ length: 25 }, (_, index) => `api:page-${String(index).padStart(2, '0')}`);
      await Promise.all(
        keys.map((sessionKey) => store.ensureSession({ namespace: 'team-p', instance: 'claw', sessionKey })),
      );
      await store.ensureSession({ namespace: 'team-p', instance: 'other', sessionKey: 'api:elsewhere' });
      const seen: string[] = [];
      const sizes: number[] = [];
      let token: string | undefined;
      for (let pageNumber = 0; pageNumber < 10; pageNumber += 1) {
        const page = await store.listSessions('team-p', 'claw', {
          limit: 10,
          ...(token ? { continue: token } : {}),
        });
        seen.push(...page.items.map((session) => session.sessionKey));
        sizes.push(page.items.length);
        token = page.continue;
        if (!token) break;
      }
      assert.deepEqual(sizes, [10, 10, 5]);
      assert.deepEqual(seen, keys);
    });

    it('lists a session’s messages oldest first, page by page', async () => {
      const ref = { ...chat, sessionKey: 'api:paged' };
      for (let index = 0; index < 7; index += 1) {
        await store.appendMessage(ref, {
          idempotencyKey: `m${index}`,
          role: index % 2 ? 'assistant' : 'user',
          content: `m${index}`,
        });
      }
      const first = await store.listMessages(ref, { limit: 3 });
      assert.ok(first.continue);
      const second = await store.listMessages(ref, { limit: 3, continue: first.continue });
      const third = await store.listMessages(ref, { limit: 3, continue: second.continue! });
      assert.deepEqual(
        [first, second, third].map((page) => page.items.map((message) => message.content)),
        [['m0', 'm1', 'm2'], ['m3', 'm4', 'm5'], ['m6']],
      );
      assert.equal(third.continue, undefined);
    });

    it('refuses a continue token of another listing', async () => {
      const page = await store.listMessages({ ...chat, sessionKey: 'api:paged' }, { limit: 1 });
      await assert.rejects(
        store.listMessages(chat, { limit: 1, continue: page.continue! }),
        isInvalidContinue,
      );
      await assert.rejects(
        store.listSessions('team-a', 'claw', { continue: page.continue! }),
        isInvalidContinue,
      );
    });
  });

  describe('runs and token totals', () => {
    it('counts each run once in its session and its instance, however often it is recorded', async () => {
      const runs = [
        { run: 'a1', sessionKey: 'slack:a', usage: { input: 100, output: 10 } },
        { run: 'a2', sessionKey: 'slack:a', usage: { input: 200, output: 20 } },
        { run: 'a3', sessionKey: 'slack:a', usage: { input: 300, output: 30 } },
        { run: 'b1', sessionKey: 'slack:b', usage: { input: 7, output: 1 } },
        { run: 'n1', usage: { input: 5, output: 5 } },
      ];
      const records = runs.map(({ run, sessionKey, usage }) => {
        const identity = buildIdentity(run, { namespace: 'team-t' });
        const transcript = buildCondensedTranscript([
          buildEvent(identity, 1, {
            type: 'tool_call',
            callId: 'c1',
            tool: 'read_file',
            arguments: 'x'.repeat(5000),
            outcome: 'ok',
            summary: 'ok',
          }),
        ]);
        return {
          identity,
          ...(sessionKey ? { sessionKey } : {}),
          status: 'succeeded' as const,
          usage,
          transcript,
        };
      });
      // each run recorded three times at once, as redelivered completions would be
      const recorded = await Promise.all(
        records.flatMap((record) => [record, record, record]).map((record) => store.recordRun(record)),
      );
      assert.equal(recorded.filter(Boolean).length, runs.length);
      assert.equal(await store.recordRun(records[0]!), false);

      const a = await store.fetchSession({ namespace: 'team-t', instance: 'claw', sessionKey: 'slack:a' });
      assert.deepEqual([a?.usage, a?.runs], [{ input: 600, output: 60 }, 3]);
      const b = await store.fetchSession({ namespace: 'team-t', instance: 'claw', sessionKey: 'slack:b' });
      assert.deepEqual([b?.usage, b?.runs], [{ input: 7, output: 1 }, 1]);
      assert.deepEqual(await store.fetchInstanceUsage('team-t', 'claw'), {
        usage: { input: 612, output: 66 },
        runs: 5,
      });
      assert.deepEqual(await store.fetchInstanceUsage('team-t', 'none'), {
        usage: { input: 0, output: 0 },
        runs: 0,
      });

      const stored = await store.fetchRun('uid-a1');
      assert.equal(stored?.sessionKey, 'slack:a');
      assert.deepEqual(stored?.identity, records[0]?.identity);
      assert.equal(stored?.transcript.toolCalls[0]?.arguments.length, 1024);
      assert.equal(stored?.transcript.truncated, true);
      assert.equal((await store.fetchRun('uid-n1'))?.sessionKey, undefined);
      assert.equal(await store.fetchRun('uid-missing'), undefined);
    });
  });

  describe('history', () => {
    it('gives a new run the newest whole turns within its limits, without its own question', async () => {
      const ref = { ...chat, sessionKey: 'telegram:history' };
      for (let turn = 1; turn <= 4; turn += 1) {
        const run = { name: `h${turn}`, uid: `uid-h${turn}` };
        await store.appendMessage(ref, {
          idempotencyKey: `${run.uid}:user`,
          role: 'user',
          content: `q${turn}`,
          run,
        });
        await store.appendMessage(ref, {
          idempotencyKey: `${run.uid}:assistant`,
          role: 'assistant',
          content: `a${turn}`,
          run,
        });
      }
      // the new run's question is stored before its history is read
      const current = { name: 'h5', uid: 'uid-h5' };
      await store.appendMessage(ref, {
        idempotencyKey: `${current.uid}:user`,
        role: 'user',
        content: 'q5',
        run: current,
      });

      const contents = async (limits: { maxTurns: number; maxTokens: number }): Promise<string[]> =>
        (await store.fetchHistory(ref, { ...limits, excludeRunUid: current.uid })).map(
          (message) => message.content,
        );
      assert.deepEqual(await contents({ maxTurns: 10, maxTokens: 10_000 }), [
        'q1',
        'a1',
        'q2',
        'a2',
        'q3',
        'a3',
        'q4',
        'a4',
      ]);
      assert.deepEqual(await contents({ maxTurns: 2, maxTokens: 10_000 }), ['q3', 'a3', 'q4', 'a4']);
      // each message costs 5 estimated tokens: 25 hold two turns and a half, so two whole turns
      assert.deepEqual(await contents({ maxTurns: 10, maxTokens: 25 }), ['q3', 'a3', 'q4', 'a4']);
      assert.deepEqual(await contents({ maxTurns: 10, maxTokens: 19 }), ['q4', 'a4']);
      assert.deepEqual(
        await store.fetchHistory({ ...ref, sessionKey: 'none' }, { maxTurns: 5, maxTokens: 100 }),
        [],
      );
      // one message by its key: what a waiting sender reads once the run is recorded
      assert.equal((await store.fetchMessage(ref, 'uid-h4:assistant'))?.content, 'a4');
      assert.equal(await store.fetchMessage(ref, 'uid-h5:assistant'), undefined);
      assert.equal(await store.fetchMessage({ ...ref, sessionKey: 'none' }, 'uid-h4:assistant'), undefined);

      // a read cut by the row limit inside a turn (a3, q4, a4) leaves out the reply without its question
      const bounded = new SessionStore({ databaseUrl: url, historyRowLimit: 3 });
      try {
        const history = await bounded.fetchHistory(ref, {
          maxTurns: 10,
          maxTokens: 10_000,
          excludeRunUid: current.uid,
        });
        assert.deepEqual(
          history.map((message) => message.content),
          ['q4', 'a4'],
        );
      } finally {
        await bounded.close();
      }
    });
  });
});
