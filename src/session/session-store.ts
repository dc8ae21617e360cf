// The PostgreSQL session store: sessions and their messages, run events kept for replay, each run's
// condensed transcript and the token totals per session and per instance. Every write is
// idempotent (a retried or redelivered write stores nothing new), every failure is a
// SessionStoreError, and a database that is down is reported fast as `unavailable` rather than
// waited for: the pool fails a connection attempt after a short timeout and never queues for long.
import { runner } from 'node-pg-migrate';
import pg from 'pg';
import { RecordedRunListener, runRecordedChannel } from './recorded-run-listener.ts';
import type { RunEvent, RunIdentity, TokenUsage } from '../api/index.ts';
import type { CondensedTranscript } from './condensed-transcript.ts';
import { buildContinueToken, parseContinueToken } from './continue-token.ts';
import { planHistoryWindow, tokensPerMessage, type HistoryLimits } from './history-window.ts';
import { defaultMigrationsDir } from './migrations-dir.ts';
import { toSessionStoreError } from './pg-error.ts';
import type {
  AppendedMessage,
  InstanceUsage,
  NewMessage,
  Page,
  PageOptions,
  RunRecord,
  Session,
  SessionMessage,
  SessionRef,
  StoredRunRecord,
} from './session-records.ts';
import {
  isSessionStoreUnavailable,
  SessionStoreError,
  sessionStoreErrorCodes,
} from './session-store-error.ts';
import { toPostgresJson, toPostgresText } from './text-for-postgres.ts';

export interface SessionStoreOptions {
  /** `postgres://user:password@host:port/database` (the `DATABASE_URL` of the seed). */
  databaseUrl: string;
  /** Connections at most (default 10). */
  maxConnections?: number;
  /** A connection attempt fails after this long (default 3 s): a down database answers fast. */
  connectTimeoutMs?: number;
  /** A query without an answer fails after this long (default 15 s): a silent network never hangs a caller. */
  queryTimeoutMs?: number;
  /** Idle connections are closed after this long (default 10 s). */
  idleTimeoutMs?: number;
  /** Where the numbered migrations are (default: `migrations/` of this package). */
  migrationsDir?: string;
  /** Messages read at most for one history, whatever the token budget (default 2000): a bound on one query. */
  historyRowLimit?: number;
  /** An idle connection was lost (the database restarted); the pool replaces it on next use. */
  onIdleConnectionError?: (error: SessionStoreError) => void;
}

export interface MigrateOptions {
  /** Progress lines of the migration tool (default: discarded). */
  log?: (message: string) => void;
}

export interface HistoryOptions extends HistoryLimits {
  /** Leave out the messages of this run (the run the history is for, whose question is already stored). */
  excludeRunUid?: string;
}

/** The table the migration tool records applied migrations in. */
export const migrationsTable = 'k8sclaw_migrations';
const defaultPageLimit = 100;
const maxPageLimit = 1000;

interface SessionRow {
  namespace: string;
  instance: string;
  session_key: string;
  created_at: Date;
  updated_at: Date;
  input_tokens: string;
  output_tokens: string;
  runs: string;
}

interface MessageRow {
  id: string;
  idempotency_key: string;
  role: 'user' | 'assistant';
  content: string;
  run: string | null;
  run_uid: string | null;
  input_tokens: string | null;
  output_tokens: string | null;
  created_at: Date;
}

const messageColumns =
  'm.id, m.idempotency_key, m.role, m.content, m.run, m.run_uid, m.input_tokens, m.output_tokens, m.created_at';
const sessionColumns =
  'namespace, instance, session_key, created_at, updated_at, input_tokens, output_tokens, runs';

function toSession(row: SessionRow): Session {
  return {
    namespace: row.namespace,
    instance: row.instance,
    sessionKey: row.session_key,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    usage: { input: Number(row.input_tokens), output: Number(row.output_tokens) },
    runs: Number(row.runs),
  };
}

function toMessage(row: MessageRow): SessionMessage {
  return {
    id: row.id,
    idempotencyKey: row.idempotency_key,
    role: row.role,
    content: row.content,
    ...(row.run !== null && row.run_uid !== null ? { run: { name: row.run, uid: row.run_uid } } : {}),
    ...(row.input_tokens !== null && row.output_tokens !== null
      ? { usage: { input: Number(row.input_tokens), output: Number(row.output_tokens) } }
      : {}),
    createdAt: row.created_at,
  };
}

function pageLimit(options: PageOptions): number {
  const limit = options.limit ?? defaultPageLimit;
  if (!Number.isInteger(limit) || limit < 1 || limit > maxPageLimit) {
    throw new SessionStoreError(
      sessionStoreErrorCodes.invalidInput,
      `page limit must be an integer from 1 to ${maxPageLimit}, not ${limit}`,
    );
  }
  return limit;
}

/** The page of `rows` (read with one extra row to learn whether more follow) and its continue token. */
function toPage<R, T>(
  rows: R[],
  limit: number,
  listing: string,
  keyOf: (row: R) => string,
  map: (row: R) => T,
): Page<T> {
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  return {
    items: items.map(map),
    ...(rows.length > limit && last !== undefined
      ? { continue: buildContinueToken(listing, keyOf(last)) }
      : {}),
  };
}

const ignoreError = (): void => undefined;

export class SessionStore {
  private readonly pool: pg.Pool;
  private readonly options: SessionStoreOptions;
  private closed = false;
  /** Started by the first waitForRecordedRun: a process that never waits holds no LISTEN connection. */
  private recordedRuns: RecordedRunListener | undefined;

  constructor(options: SessionStoreOptions) {
    this.options = options;
    this.pool = new pg.Pool({
      connectionString: options.databaseUrl,
      max: options.maxConnections ?? 10,
      connectionTimeoutMillis: options.connectTimeoutMs ?? 3000,
      query_timeout: options.queryTimeoutMs ?? 15_000,
      idleTimeoutMillis: options.idleTimeoutMs ?? 10_000,
      keepAlive: true,
      application_name: 'k8sclaw',
    });
    // an idle connection that the server ends (restart, failover) is reported here; without a
    // listener pg's error event would end the process
    this.pool.on('error', (error) => {
      options.onIdleConnectionError?.(toSessionStoreError(error, 'idle database connection lost'));
    });
  }

  /**
   * Applies the migrations not applied yet, in order, each in its own transaction; returns their
   * names. Replicas starting together serialise on the migration tool's advisory lock (it waits
   * for the lock rather than failing), so each migration is applied once.
   */
  async migrate(options: MigrateOptions = {}): Promise<string[]> {
    this.assertOpen('applying migrations');
    // its own connection: the lock is held by the session, and waiting for another replica's
    // migrations must not be cut short by the pool's query timeout
    const client = new pg.Client({
      connectionString: this.options.databaseUrl,
      connectionTimeoutMillis: this.options.connectTimeoutMs ?? 3000,
      keepAlive: true,
      application_name: 'k8sclaw-migrate',
    });
    client.on('error', ignoreError);
    const log = options.log ?? ignoreError;
    try {
      await client.connect();
      const applied = await runner({
        dbClient: client,
        dir: this.options.migrationsDir ?? defaultMigrationsDir(),
        migrationsTable,
        direction: 'up',
        checkOrder: true,
        advisoryLockMode: 'wait',
        logger: { debug: log, info: log, warn: log, error: log },
      });
      return applied.map((migration) => migration.name);
    } catch (error) {
      throw toSessionStoreError(error, 'applying migrations');
    } finally {
      await client.end().catch(ignoreError);
    }
  }

  /** Closes every connection; the store cannot be used afterwards. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.recordedRuns?.close();
    await this.pool.end();
  }

  /**
   * Resolves once the run is recorded (any replica's recordRun), after `ms` at the latest, or when
   * `signal` aborts. Callers check fetchRun afterwards: waking says nothing by itself.
   */
  async waitForRecordedRun(runUid: string, ms: number, signal: AbortSignal): Promise<void> {
    this.assertOpen('waiting for a recorded run');
    this.recordedRuns ??= new RecordedRunListener({
      databaseUrl: this.options.databaseUrl,
      ...(this.options.connectTimeoutMs !== undefined
        ? { connectTimeoutMs: this.options.connectTimeoutMs }
        : {}),
    });
    await this.recordedRuns.wait(runUid, ms, signal);
  }

  /** The session, created when it does not exist yet. */
  async ensureSession(ref: SessionRef): Promise<Session> {
    const rows = await this.query<SessionRow>(
      'ensuring a session',
      `INSERT INTO sessions (namespace, instance, session_key) VALUES ($1, $2, $3)
       ON CONFLICT (namespace, instance, session_key) DO UPDATE SET updated_at = sessions.updated_at
       RETURNING ${sessionColumns}`,
      [ref.namespace, ref.instance, ref.sessionKey],
    );
    return toSession(rows[0] as SessionRow);
  }

  async fetchSession(ref: SessionRef): Promise<Session | undefined> {
    const rows = await this.query<SessionRow>(
      'reading a session',
      `SELECT ${sessionColumns} FROM sessions WHERE namespace = $1 AND instance = $2 AND session_key = $3`,
      [ref.namespace, ref.instance, ref.sessionKey],
    );
    return rows[0] && toSession(rows[0]);
  }

  /**
   * Stores a message in the session (created if needed) once per idempotency key: a retry, or a
   * concurrent write of the same key, returns the message stored first with `created: false`.
   */
  async appendMessage(ref: SessionRef, message: NewMessage): Promise<AppendedMessage> {
    const inserted = await this.query<MessageRow>(
      'appending a message',
      `WITH s AS (
         INSERT INTO sessions (namespace, instance, session_key) VALUES ($1, $2, $3)
         ON CONFLICT (namespace, instance, session_key) DO UPDATE SET updated_at = now()
         RETURNING id
       )
       INSERT INTO session_messages AS m
         (session_id, idempotency_key, role, content, run, run_uid, input_tokens, output_tokens)
       SELECT s.id, $4, $5, $6, $7, $8, $9, $10 FROM s
       ON CONFLICT (session_id, idempotency_key) DO NOTHING
       RETURNING ${messageColumns}`,
      [
        ref.namespace,
        ref.instance,
        ref.sessionKey,
        message.idempotencyKey,
        message.role,
        toPostgresText(message.content),
        message.run?.name ?? null,
        message.run?.uid ?? null,
        message.usage?.input ?? null,
        message.usage?.output ?? null,
      ],
    );
    if (inserted[0]) return { message: toMessage(inserted[0]), created: true };
    // the key was stored before (its writer has committed: the insert waited for it)
    const existing = await this.query<MessageRow>(
      'reading an appended message',
      `SELECT ${messageColumns} FROM session_messages m JOIN sessions s ON s.id = m.session_id
       WHERE s.namespace = $1 AND s.instance = $2 AND s.session_key = $3 AND m.idempotency_key = $4`,
      [ref.namespace, ref.instance, ref.sessionKey, message.idempotencyKey],
    );
    if (!existing[0]) {
      throw new SessionStoreError(
        sessionStoreErrorCodes.failed,
        'appending a message: stored message not found',
      );
    }
    return { message: toMessage(existing[0]), created: false };
  }

  /** An instance's sessions in the order of their keys. */
  async listSessions(namespace: string, instance: string, options: PageOptions = {}): Promise<Page<Session>> {
    const limit = pageLimit(options);
    const listing = `sessions/${namespace}/${instance}`;
    const after = options.continue === undefined ? null : parseContinueToken(listing, options.continue);
    const rows = await this.query<SessionRow>(
      'listing sessions',
      `SELECT ${sessionColumns} FROM sessions
       WHERE namespace = $1 AND instance = $2 AND ($3::text IS NULL OR session_key > $3)
       ORDER BY session_key LIMIT $4`,
      [namespace, instance, after, limit + 1],
    );
    return toPage(rows, limit, listing, (row) => row.session_key, toSession);
  }

  /** A session's messages, oldest first (an unknown session has none). */
  async listMessages(ref: SessionRef, options: PageOptions = {}): Promise<Page<SessionMessage>> {
    const limit = pageLimit(options);
    const listing = `messages/${ref.namespace}/${ref.instance}/${ref.sessionKey}`;
    const after = options.continue === undefined ? null : parseContinueToken(listing, options.continue);
    if (after !== null && !/^\d+$/.test(after)) {
      throw new SessionStoreError(sessionStoreErrorCodes.invalidContinue, 'continue token is not valid');
    }
    const rows = await this.query<MessageRow>(
      'listing messages',
      `SELECT ${messageColumns} FROM session_messages m JOIN sessions s ON s.id = m.session_id
       WHERE s.namespace = $1 AND s.instance = $2 AND s.session_key = $3 AND ($4::bigint IS NULL OR m.id > $4)
       ORDER BY m.id LIMIT $5`,
      [ref.namespace, ref.instance, ref.sessionKey, after, limit + 1],
    );
    return toPage(rows, limit, listing, (row) => row.id, toMessage);
  }

  /**
   * The earlier turns a new run of the session sees, oldest first, bounded by `limits` (see
   * planHistoryWindow). An unknown session has no history.
   */
  /** One message of a session by its idempotency key (e.g. `<run uid>:assistant`), if stored. */
  async fetchMessage(ref: SessionRef, idempotencyKey: string): Promise<SessionMessage | undefined> {
    const rows = await this.query<MessageRow>(
      'reading a message',
      `SELECT ${messageColumns} FROM session_messages m JOIN sessions s ON s.id = m.session_id
       WHERE s.namespace = $1 AND s.instance = $2 AND s.session_key = $3 AND m.idempotency_key = $4`,
      [ref.namespace, ref.instance, ref.sessionKey, idempotencyKey],
    );
    return rows[0] ? toMessage(rows[0]) : undefined;
  }

  async fetchHistory(ref: SessionRef, options: HistoryOptions): Promise<SessionMessage[]> {
    if (options.maxTurns <= 0 || options.maxTokens <= 0) return [];
    // no more messages than the token budget could hold (each costs at least its overhead)
    const rowLimit = Math.min(
      Math.floor(options.maxTokens / tokensPerMessage) + 1,
      this.options.historyRowLimit ?? 2000,
    );
    const rows = await this.query<MessageRow>(
      'reading the history',
      `SELECT ${messageColumns} FROM session_messages m JOIN sessions s ON s.id = m.session_id
       WHERE s.namespace = $1 AND s.instance = $2 AND s.session_key = $3 AND m.run_uid IS DISTINCT FROM $4
       ORDER BY m.id DESC LIMIT $5`,
      [ref.namespace, ref.instance, ref.sessionKey, options.excludeRunUid ?? null, rowLimit],
    );
    const messages = rows.reverse().map(toMessage);
    // a read cut by the row limit may start inside a turn: its replies without their question go
    if (rows.length === rowLimit) {
      const firstQuestion = messages.findIndex((message) => message.role === 'user');
      messages.splice(0, firstQuestion < 0 ? messages.length : firstQuestion);
    }
    return planHistoryWindow(messages, options);
  }

  /**
   * Stores a run event under its bus message id (`<run uid>:<event id>`) once: true when stored
   * now, false when it was already there (a redelivery).
   */
  async recordRunEvent(messageId: string, event: RunEvent): Promise<boolean> {
    const { identity } = event;
    const rows = await this.query(
      'recording a run event',
      `INSERT INTO run_events (message_id, namespace, instance, run, run_uid, seq, type, event, time)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9)
       ON CONFLICT (message_id) DO NOTHING
       RETURNING 1`,
      [
        messageId,
        identity.namespace,
        identity.instance,
        identity.run,
        identity.runUid,
        event.seq,
        event.body.type,
        toPostgresJson(event),
        event.time,
      ],
    );
    return rows.length === 1;
  }

  /** A run's stored events in run order, from after `afterSeq` (for replay). */
  async listRunEvents(
    runUid: string,
    options: { afterSeq?: number; limit?: number } = {},
  ): Promise<RunEvent[]> {
    const limit = pageLimit(options);
    const rows = await this.query<{ event: RunEvent }>(
      'listing run events',
      `SELECT event FROM run_events WHERE run_uid = $1 AND seq > $2 ORDER BY seq, message_id LIMIT $3`,
      [runUid, options.afterSeq ?? 0, limit],
    );
    return rows.map((row) => row.event);
  }

  /**
   * A run's stored events in run order, a page at a time (for the API's replay): keyed by
   * (seq, message id), so a page boundary never skips or repeats an event.
   */
  async pageRunEvents(runUid: string, options: PageOptions = {}): Promise<Page<RunEvent>> {
    const limit = pageLimit(options);
    const listing = `run-events/${runUid}`;
    const after = options.continue === undefined ? null : parseContinueToken(listing, options.continue);
    const key = after === null ? undefined : /^(\d+):(.+)$/.exec(after);
    if (after !== null && !key) {
      throw new SessionStoreError(sessionStoreErrorCodes.invalidContinue, 'continue token is not valid');
    }
    const rows = await this.query<{ event: RunEvent; seq: number; message_id: string }>(
      'paging run events',
      `SELECT event, seq, message_id FROM run_events
       WHERE run_uid = $1 AND ($2::integer IS NULL OR (seq, message_id) > ($2, $3))
       ORDER BY seq, message_id LIMIT $4`,
      [runUid, key ? Number(key[1]) : null, key ? key[2] : null, limit + 1],
    );
    return toPage(
      rows,
      limit,
      listing,
      (row) => `${row.seq}:${row.message_id}`,
      (row) => row.event,
    );
  }

  /** Resolves when the database answers a trivial query; a SessionStoreError otherwise. */
  async checkConnection(): Promise<void> {
    await this.query('checking the database connection', 'SELECT 1', []);
  }

  /**
   * Records a finished run (its condensed transcript and token usage) once per run uid, adding its
   * tokens to its session's and its instance's totals in the same transaction: true when recorded
   * now, false when the run was recorded before.
   */
  async recordRun(record: RunRecord): Promise<boolean> {
    const { identity, usage } = record;
    return this.transaction('recording a run', async (client) => {
      let sessionId: string | null = null;
      if (record.sessionKey !== undefined) {
        // locks the session row first, as every writer of it does (no deadlock between runs)
        const session = await client.query<{ id: string }>(
          `INSERT INTO sessions (namespace, instance, session_key) VALUES ($1, $2, $3)
           ON CONFLICT (namespace, instance, session_key) DO UPDATE SET updated_at = now()
           RETURNING id`,
          [identity.namespace, identity.instance, record.sessionKey],
        );
        sessionId = session.rows[0]?.id ?? null;
      }
      const inserted = await client.query(
        `INSERT INTO run_transcripts
           (run_uid, namespace, instance, run, session_id, status, input_tokens, output_tokens, transcript)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb)
         ON CONFLICT (run_uid) DO NOTHING
         RETURNING 1`,
        [
          identity.runUid,
          identity.namespace,
          identity.instance,
          identity.run,
          sessionId,
          record.status,
          usage.input,
          usage.output,
          toPostgresJson(record.transcript),
        ],
      );
      if (inserted.rowCount !== 1) return false;
      // delivered at commit: whoever waits for this run wakes at once (recorded-run-listener.ts)
      await client.query('SELECT pg_notify($1, $2)', [runRecordedChannel, identity.runUid]);
      if (sessionId !== null) {
        await client.query(
          `UPDATE sessions SET input_tokens = input_tokens + $2, output_tokens = output_tokens + $3,
             runs = runs + 1, updated_at = now()
           WHERE id = $1`,
          [sessionId, usage.input, usage.output],
        );
      }
      await client.query(
        `INSERT INTO instance_usage (namespace, instance, input_tokens, output_tokens, runs)
         VALUES ($1, $2, $3, $4, 1)
         ON CONFLICT (namespace, instance) DO UPDATE SET
           input_tokens = instance_usage.input_tokens + EXCLUDED.input_tokens,
           output_tokens = instance_usage.output_tokens + EXCLUDED.output_tokens,
           runs = instance_usage.runs + 1,
           updated_at = now()`,
        [identity.namespace, identity.instance, usage.input, usage.output],
      );
      return true;
    });
  }

  async fetchRun(runUid: string): Promise<StoredRunRecord | undefined> {
    const rows = await this.query<{
      namespace: string;
      instance: string;
      run: string;
      run_uid: string;
      session_key: string | null;
      status: 'succeeded' | 'failed';
      input_tokens: string;
      output_tokens: string;
      transcript: CondensedTranscript;
      recorded_at: Date;
    }>(
      'reading a run',
      `SELECT t.namespace, t.instance, t.run, t.run_uid, s.session_key, t.status, t.input_tokens,
              t.output_tokens, t.transcript, t.recorded_at
       FROM run_transcripts t LEFT JOIN sessions s ON s.id = t.session_id
       WHERE t.run_uid = $1`,
      [runUid],
    );
    const row = rows[0];
    if (!row) return undefined;
    const identity: RunIdentity = {
      namespace: row.namespace,
      instance: row.instance,
      run: row.run,
      runUid: row.run_uid,
    };
    const usage: TokenUsage = { input: Number(row.input_tokens), output: Number(row.output_tokens) };
    return {
      identity,
      ...(row.session_key !== null ? { sessionKey: row.session_key } : {}),
      status: row.status,
      usage,
      transcript: row.transcript,
      recordedAt: row.recorded_at,
    };
  }

  /** The token totals of an instance's recorded runs (zero before the first). */
  async fetchInstanceUsage(namespace: string, instance: string): Promise<InstanceUsage> {
    const rows = await this.query<{ input_tokens: string; output_tokens: string; runs: string }>(
      'reading instance usage',
      `SELECT input_tokens, output_tokens, runs FROM instance_usage WHERE namespace = $1 AND instance = $2`,
      [namespace, instance],
    );
    const row = rows[0];
    return {
      usage: { input: Number(row?.input_tokens ?? 0), output: Number(row?.output_tokens ?? 0) },
      runs: Number(row?.runs ?? 0),
    };
  }

  private assertOpen(doing: string): void {
    if (this.closed)
      throw new SessionStoreError(sessionStoreErrorCodes.closed, `${doing}: the session store is closed`);
  }

  private async query<R extends pg.QueryResultRow = pg.QueryResultRow>(
    doing: string,
    text: string,
    values: unknown[],
  ): Promise<R[]> {
    this.assertOpen(doing);
    try {
      const result = await this.pool.query<R>(text, values);
      return result.rows;
    } catch (error) {
      throw toSessionStoreError(error, doing);
    }
  }

  private async transaction<T>(doing: string, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    this.assertOpen(doing);
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (error) {
      throw toSessionStoreError(error, doing);
    }
    // a connection lost between two statements is reported by the next one; the event would
    // otherwise end the process
    client.on('error', ignoreError);
    let lost = false;
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      const failure = toSessionStoreError(error, doing);
      lost = isSessionStoreUnavailable(failure);
      if (!lost) await client.query('ROLLBACK').catch(ignoreError);
      throw failure;
    } finally {
      client.off('error', ignoreError);
      // a lost connection is closed rather than handed out again
      client.release(lost);
    }
  }
}
