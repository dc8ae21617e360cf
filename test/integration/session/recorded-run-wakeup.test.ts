// Waiting for a recorded run against a real PostgreSQL: a replica waiting for a run wakes when
// another replica records it (a notification, delivered at commit), not when its interval ends; a
// run recorded for another uid wakes nobody; and the waiting survives a restart of the database.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { buildCondensedTranscript, SessionStore } from '../../../src/session/index.ts';
import { startPostgres, type PostgresServer } from '../../harness/postgres.ts';
import { buildIdentity, createDatabase } from './session-fixtures.ts';

/** Long enough that a waiter woken by its interval, not by the notification, fails the test. */
const interval = 60_000;

describe('waiting for a recorded run', () => {
  let server: PostgresServer;
  let waiter: SessionStore;
  let recorder: SessionStore;

  before(async () => {
    server = await startPostgres();
    const url = await createDatabase(server, 'wakeup');
    waiter = new SessionStore({ databaseUrl: url });
    recorder = new SessionStore({ databaseUrl: url });
    await recorder.migrate();
  });
  after(async () => {
    await waiter?.close();
    await recorder?.close();
    await server?.stop();
  });

  const record = async (run: string) => {
    const identity = buildIdentity(run, { namespace: 'team-w' });
    await recorder.recordRun({
      identity,
      status: 'succeeded',
      usage: { input: 1, output: 1 },
      transcript: buildCondensedTranscript([]),
    });
    return identity.runUid;
  };

  /** Waits for `uid` and says whether the wait ended before `boundMs` (else the bound ended the test). */
  const wokenWithin = async (uid: string, boundMs: number, act: () => Promise<void>) => {
    const bound = new AbortController();
    const timer = setTimeout(() => bound.abort(), boundMs);
    try {
      const waiting = waiter.waitForRecordedRun(uid, interval, bound.signal);
      await act();
      await waiting;
      return !bound.signal.aborted;
    } finally {
      clearTimeout(timer);
    }
  };

  it('wakes the waiter of a run when another replica records it', async () => {
    const uid = buildIdentity('first', { namespace: 'team-w' }).runUid;
    // the listener connects on the first wait: give it a moment, as a real wait would have had
    await waiter.waitForRecordedRun('warm-up', 500, new AbortController().signal);
    assert.equal(await wokenWithin(uid, 30_000, async () => void (await record('first'))), true);
    assert.ok(await waiter.fetchRun(uid), 'the run is there once woken');
  });

  it('wakes nobody for another run', async () => {
    const uid = buildIdentity('not-recorded', { namespace: 'team-w' }).runUid;
    assert.equal(await wokenWithin(uid, 3_000, async () => void (await record('someone-else'))), false);
  });

  it('wakes waiters again after the database restarted', { timeout: 120_000 }, async () => {
    await server.halt();
    await server.resume();
    // the listener reconnects with a growing delay (1 s, 2 s, …): until it has, a wait ends by its
    // bound; a later recording wakes its waiter again
    let woken = false;
    for (let attempt = 0; attempt < 10 && !woken; attempt += 1) {
      const run = `after-restart-${attempt}`;
      const uid = buildIdentity(run, { namespace: 'team-w' }).runUid;
      // the recorder's pool may hand out a connection the restart ended: that attempt records nothing
      woken = await wokenWithin(uid, 5_000, async () => void (await record(run).catch(() => '')));
    }
    assert.equal(woken, true);
  });
});
