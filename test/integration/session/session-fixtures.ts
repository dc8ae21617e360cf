// What the session-store suites share: a fresh database per suite on the test server (created with
// psql, since only src/session may import pg), SQL read back through psql to check what the store
// wrote, and run-event builders.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import type { RunEvent, RunEventBody, RunIdentity } from '../../../src/api/run-events.ts';
import { findPostgresBinDir, type PostgresServer } from '../../harness/postgres.ts';

const run = promisify(execFile);

/** Runs SQL as the test superuser and returns psql's unaligned, tuples-only output. */
export async function psql(url: string, sql: string): Promise<string> {
  const { stdout } = await run(path.join(findPostgresBinDir(), 'psql'), [
    url,
    '-qAt',
    '-v',
    'ON_ERROR_STOP=1',
    '-c',
    sql,
  ]);
  return stdout.trim();
}

/** A new, empty database on `server`; returns its URL. */
export async function createDatabase(server: PostgresServer, name: string): Promise<string> {
  await psql(server.url, `CREATE DATABASE "${name}"`);
  return server.url.replace(/\/postgres$/, `/${name}`);
}

export function buildIdentity(run: string, overrides: Partial<RunIdentity> = {}): RunIdentity {
  return { namespace: 'team-a', instance: 'claw', run, runUid: `uid-${run}`, ...overrides };
}

export function buildEvent(identity: RunIdentity, seq: number, body: RunEventBody): RunEvent {
  return {
    id: `e${seq}`,
    seq,
    time: new Date(Date.UTC(2026, 0, 1, 0, 0, seq)).toISOString(),
    identity,
    body,
  };
}

/** The bus message id of an event (`<run uid>:<event id>`, as the event bus builds it). */
export const messageIdOf = (event: RunEvent): string => `${event.identity.runUid}:${event.id}`;
