// Proves the PostgreSQL launcher starts a real server that answers SQL on loopback.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { findPostgresBinDir, startPostgres, type PostgresServer } from '../../harness/postgres.ts';

const run = promisify(execFile);

describe('postgres launcher', () => {
  let pg: PostgresServer;
  before(async () => {
    pg = await startPostgres();
  });
  after(async () => {
    await pg.stop();
  });

  it('answers SQL over TCP on loopback', async () => {
    const psql = path.join(findPostgresBinDir(), 'psql');
    const { stdout } = await run(psql, [
      pg.url,
      '-qAt',
      '-c',
      'create table t (v int); insert into t values (41), (1); select sum(v) from t',
    ]);
    assert.equal(stdout.trim(), '42');
  });

  it('keeps its data and port when halted and resumed', async () => {
    const psql = path.join(findPostgresBinDir(), 'psql');
    await run(psql, [pg.url, '-qAt', '-c', 'create table kept (v int); insert into kept values (7)']);
    await pg.halt();
    await assert.rejects(run(psql, [pg.url, '-qAt', '-c', 'select 1']));
    await pg.resume();
    const { stdout } = await run(psql, [pg.url, '-qAt', '-c', 'select v from kept']);
    assert.equal(stdout.trim(), '7');
  });
});
