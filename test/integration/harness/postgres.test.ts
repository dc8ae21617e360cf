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
});
