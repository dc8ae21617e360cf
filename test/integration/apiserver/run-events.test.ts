// Run events into PostgreSQL exactly once, through the API server binary, against a real
// nats-server in operator (JWT) mode, a real PostgreSQL and the test control plane: the test
// publishes as each run's IPC bridge would (with that run's own bus credentials), the API server
// consumes with its own credentials, and what it stored is read back with psql and through the
// sessions, messages and events routes. PostgreSQL is halted and the API server killed mid-stream;
// every event is stored once, every run's tokens counted once.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import type { AgentRun, RunEvent, RunEventBody, RunIdentity } from '../../../src/api/index.ts';
import { recordDeliveredRunEvent } from '../../../src/apiserver/index.ts';
import {
  buildRunInboxPrefix,
  connectEventBus,
  issueUserCredentials,
  runBridgePermissions,
  type BusAuthority,
  type EventBus,
} from '../../../src/eventbus/index.ts';
import { KubeClient } from '../../../src/kube/index.ts';
import { createLogger } from '../../../src/observability/index.ts';
import { SessionStore } from '../../../src/session/index.ts';
import { runManifest } from '../../fixtures/k8sclaw-objects.ts';
import { startApiServerProcess, type ApiServerProcess } from '../../harness/api-server-process.ts';
import { startApiServerStack, type ApiServerStack } from '../../harness/api-server-stack.ts';
import { eventually } from '../../harness/eventually.ts';
import { integrationKubeClient } from '../../harness/integration.ts';
import type { NatsServer } from '../../harness/nats-server.ts';
import type { PostgresServer } from '../../harness/postgres.ts';
import { httpOkProbe } from '../../harness/probes.ts';
import { createTestNamespace, deleteTestNamespace } from '../../harness/test-namespace.ts';
import { psql } from '../session/session-fixtures.ts';
import { callApi, startTestApiServer, type ApiServerIdentity } from './api-fixtures.ts';

const group = { group: 'k8sclaw.io', version: 'v1alpha1' };
const instance = 'claw';
const chatSession = 'telegram:42/thread-1';
const apiSession = 'api:other';

describe('run events into PostgreSQL through the API server', () => {
  const kube = integrationKubeClient();
  let stack: ApiServerStack | undefined;
  let authority: BusAuthority;
  let nats: NatsServer | undefined;
  let postgres: PostgresServer | undefined;
  let databaseUrl = '';
  let tenantNs = '';
  let aliceToken = '';
  let bobToken = '';
  let identity: ApiServerIdentity | undefined;
  let server: ApiServerProcess | undefined;
  const buses: EventBus[] = [];
  const identities = new Map<string, RunIdentity>();

  before(async () => {
    stack = await startApiServerStack({
      kube,
      name: 'run-events',
      tenants: ['alice', 'bob'],
      env: { K8SCLAW_DATABASE_CHECK_SECONDS: '0.5', LOG_LEVEL: 'debug' },
    });
    ({ authority, nats, postgres, databaseUrl, identity, server } = stack);
    const [alice, bob] = stack.tenants;
    assert.ok(alice && bob);
    ({ namespace: tenantNs, token: aliceToken } = alice);
    bobToken = bob.token;
  });
  after(async () => {
    await Promise.all(buses.map((bus) => bus.close().catch(() => undefined)));
    await stack?.stop();
  });

  /** Creates the AgentRun (no controller runs here: only its uid and spec matter). */
  async function createRun(name: string, sessionKey: string, task: string): Promise<RunIdentity> {
    const run = (await kube.customObjects.createNamespacedCustomObject({
      ...group,
      namespace: tenantNs,
      plural: 'agentruns',
      body: runManifest(name, tenantNs, instance, { sessionKey, task }),
    })) as AgentRun;
    const runUid = run.metadata.uid;
    assert.ok(runUid);
    const runIdentity = { namespace: tenantNs, instance, run: name, runUid };
    identities.set(name, runIdentity);
    return runIdentity;
  }

  /** Connects as the run's IPC bridge: credentials that may publish this run's events only. */
  async function connectBridge(runIdentity: RunIdentity): Promise<EventBus> {
    assert.ok(nats);
    const bus = await connectEventBus({
      url: nats.url,
      name: `ipc-bridge/${runIdentity.namespace}/${runIdentity.run}`,
      credentials: await issueUserCredentials(authority, {
        name: `ipc-bridge/${runIdentity.namespace}/${runIdentity.run}`,
        permissions: runBridgePermissions(runIdentity),
      }),
      inboxPrefix: buildRunInboxPrefix(runIdentity),
      connectTimeoutMs: 10_000,
    });
    buses.push(bus);
    return bus;
  }

  const event = (runIdentity: RunIdentity, seq: number, body: RunEventBody): RunEvent => ({
    id: `${runIdentity.runUid}:e${seq}`,
    seq,
    time: new Date(Date.UTC(2026, 0, 1, 0, 0, 0, seq)).toISOString(),
    identity: runIdentity,
    body,
  });

  /** A run's events as its bridge publishes them: started, `chunks` chunks, a tool call, completed. */
  function runEvents(runIdentity: RunIdentity, usage: { input: number; output: number }, chunks = 1) {
    const events: RunEvent[] = [event(runIdentity, 1, { type: 'started', provider: 'openai', model: 'gpt' })];
    for (let i = 0; i < chunks; i += 1)
      events.push(event(runIdentity, 2 + i, { type: 'chunk', text: `part ${i}` }));
    const toolSeq = 2 + chunks;
    events.push(
      event(runIdentity, toolSeq, {
        type: 'tool_call',
        callId: 'c1',
        tool: 'read_file',
        arguments: '{"path":"a"}',
        outcome: 'ok',
        summary: 'read a',
      }),
      event(runIdentity, toolSeq + 1, {
        type: 'completed',
        result: {
          status: 'succeeded',
          response: `answer of ${runIdentity.run}<!-- memory:append -->remember<!-- /memory -->`,
          usage,
          toolCalls: 1,
          memoryUpdates: [],
        },
      }),
    );
    return events;
  }

  const storedCount = async (runUid: string) =>
    Number(await psql(databaseUrl, `SELECT count(*) FROM run_events WHERE run_uid = '${runUid}'`));
  const sessionTotals = async (sessionKey: string) =>
    await psql(
      databaseUrl,
      `SELECT input_tokens || '/' || output_tokens || '/' || runs FROM sessions WHERE session_key = '${sessionKey}'`,
    );
  const messageKeys = async (sessionKey: string) =>
    (
      await psql(
        databaseUrl,
        `SELECT m.idempotency_key || '=' || m.content FROM session_messages m JOIN sessions s ON s.id = m.session_id
         WHERE s.session_key = '${sessionKey}' ORDER BY m.id`,
      )
    ).split('\n');

  it('stores each event once though its bridge published it twice, and records the run and its turn', async () => {
    const run = await createRun('first', chatSession, 'what is first?');
    const bus = await connectBridge(run);
    const events = runEvents(run, { input: 11, output: 5 });
    for (const e of events) assert.equal((await bus.publishRunEvent(e)).duplicate, false);
    // a bridge restarted after a crash publishes again what it had not marked as published
    for (const e of events) assert.equal((await bus.publishRunEvent(e)).duplicate, true);
    await eventually('the run recorded', async () =>
      (await psql(databaseUrl, `SELECT count(*) FROM run_transcripts WHERE run_uid = '${run.runUid}'`)) ===
      '1'
        ? true
        : undefined,
    );
    assert.equal(await storedCount(run.runUid), events.length);
    assert.equal(await sessionTotals(chatSession), '11/5/1');
    assert.deepEqual(await messageKeys(chatSession), [
      `${run.runUid}:user=what is first?`,
      `${run.runUid}:assistant=answer of first`,
    ]);
    const transcript = JSON.parse(
      await psql(databaseUrl, `SELECT transcript FROM run_transcripts WHERE run_uid = '${run.runUid}'`),
    ) as { model: string; toolCalls: { tool: string }[] };
    assert.equal(transcript.model, 'gpt');
    assert.deepEqual(
      transcript.toolCalls.map((call) => call.tool),
      ['read_file'],
    );
  });

  it('a redelivered event, completion included, stores and counts nothing again', async () => {
    // what the consumer does when the ack of a committed write was lost: the same delivery again
    const run = identities.get('first');
    assert.ok(run && identity);
    const store = new SessionStore({ databaseUrl });
    try {
      const deps = {
        store,
        kube: KubeClient.fromKubeconfigFile(identity.kubeconfigFile),
        logger: createLogger({ component: 'test', level: 'error' }),
      };
      for (const e of runEvents(run, { input: 11, output: 5 })) {
        await recordDeliveredRunEvent(deps, e, {
          subject: 'redelivered',
          streamSequence: 1,
          deliveryCount: 2,
          messageId: `${run.runUid}:${e.id}`,
        });
      }
    } finally {
      await store.close();
    }
    assert.equal(await storedCount(run.runUid), 4);
    assert.equal(await sessionTotals(chatSession), '11/5/1');
    assert.equal((await messageKeys(chatSession)).length, 2);
  });

  it(
    'with PostgreSQL halted, events wait in JetStream and are stored once after it returns',
    { timeout: 120_000 },
    async () => {
      assert.ok(postgres && server);
      const run = await createRun('second', chatSession, 'and second?');
      const bus = await connectBridge(run);
      await postgres.halt();
      try {
        const activeServer = server;
        await eventually('the API server noticing the database is gone', async () =>
          (await readFile(activeServer.logFile, 'utf8')).includes('database unreachable') ? true : undefined,
        );
        // still ready: it answers, fast, rather than dropping out of its Service
        assert.equal((await fetch(`${activeServer.healthUrl}/readyz`)).status, 200);
        const denied = await callApi(
          activeServer.url,
          'GET',
          `/api/v1/namespaces/${tenantNs}/instances/${instance}/sessions`,
          { token: aliceToken },
        );
        assert.equal(denied.status, 503);
        assert.equal(denied.body.code, 'Unavailable');
        assert.match(denied.body.message, /session store is unavailable/);
        for (const e of runEvents(run, { input: 7, output: 3 })) await bus.publishRunEvent(e);
        await eventually('a write refused while the database is down', async () =>
          (await readFile(activeServer.logFile, 'utf8')).includes(
            'recording a run event failed; it will be redelivered',
          )
            ? true
            : undefined,
        );
      } finally {
        await postgres.resume();
      }
      await eventually(
        'the run recorded after the database returned',
        async () => ((await sessionTotals(chatSession)) === '18/8/2' ? true : undefined),
        60_000,
      );
      assert.equal(await storedCount(run.runUid), 4);
      assert.deepEqual((await messageKeys(chatSession)).slice(2), [
        `${run.runUid}:user=and second?`,
        `${run.runUid}:assistant=answer of second`,
      ]);
      assert.equal((await fetch(`${server.healthUrl}/readyz`)).status, 200);
    },
  );

  it(
    'the API server killed mid-stream and restarted loses nothing and stores nothing twice',
    { timeout: 180_000 },
    async () => {
      assert.ok(server);
      const run = await createRun('third', apiSession, 'third, with many chunks');
      const bus = await connectBridge(run);
      const events = runEvents(run, { input: 100, output: 40 }, 400);
      await server.stop();
      for (const e of events) await bus.publishRunEvent(e);
      const proc = server.process;
      const ready = httpOkProbe(`${server.healthUrl}/readyz`);
      proc.start();
      const storedAtKill = await eventually(
        'the first events stored',
        async () => {
          const count = await storedCount(run.runUid);
          return count > 0 ? count : undefined;
        },
        30_000,
        20,
      );
      assert.ok(proc.pid);
      process.kill(proc.pid, 'SIGKILL');
      await eventually('the API server gone', async () => (proc.exited ? true : undefined));
      assert.ok(storedAtKill < events.length, `killed after ${storedAtKill} of ${events.length} events`);
      proc.start();
      await proc.waitUntilReady(ready, 30_000);
      await eventually(
        'every event stored and the run recorded',
        // events the killed process held come back after the consumer's ack wait (30 s)
        async () =>
          (await sessionTotals(apiSession)) === '100/40/1' &&
          (await storedCount(run.runUid)) === events.length
            ? true
            : undefined,
        120_000,
        500,
      );
      assert.equal(await storedCount(run.runUid), events.length);
      assert.equal(
        await psql(
          databaseUrl,
          `SELECT count(DISTINCT seq) || '/' || min(seq) || '/' || max(seq) FROM run_events WHERE run_uid = '${run.runUid}'`,
        ),
        `${events.length}/1/${events.length}`,
      );
      assert.deepEqual(await messageKeys(apiSession), [
        `${run.runUid}:user=third, with many chunks`,
        `${run.runUid}:assistant=answer of third`,
      ]);
    },
  );

  it('serves sessions, messages and a run’s events, paginated, to the tenant only', async () => {
    assert.ok(server);
    const base = `/api/v1/namespaces/${tenantNs}`;
    const get = (pathName: string, token = aliceToken) => callApi(server!.url, 'GET', pathName, { token });

    const first = await get(`${base}/instances/${instance}/sessions?limit=1`);
    assert.equal(first.status, 200, JSON.stringify(first.body));
    assert.deepEqual(
      first.body.items.map((s: { sessionKey: string }) => s.sessionKey),
      [apiSession],
    );
    assert.ok(first.body.continue);
    const second = await get(
      `${base}/instances/${instance}/sessions?limit=1&continue=${encodeURIComponent(first.body.continue)}`,
    );
    assert.equal(second.status, 200);
    assert.deepEqual(
      second.body.items.map((s: { sessionKey: string }) => s.sessionKey),
      [chatSession],
    );
    assert.deepEqual(second.body.items[0].usage, { input: 18, output: 8 });
    assert.equal(second.body.items[0].runs, 2);
    assert.equal(second.body.continue, undefined);

    const messagesPath = `${base}/instances/${instance}/sessions/${encodeURIComponent(chatSession)}/messages`;
    const page1 = await get(`${messagesPath}?limit=3`);
    assert.equal(page1.status, 200, JSON.stringify(page1.body));
    const page2 = await get(`${messagesPath}?limit=3&continue=${encodeURIComponent(page1.body.continue)}`);
    assert.equal(page2.status, 200);
    assert.equal(page2.body.continue, undefined);
    const messages = [...page1.body.items, ...page2.body.items] as { role: string; content: string }[];
    assert.deepEqual(
      messages.map((m) => `${m.role}:${m.content}`),
      ['user:what is first?', 'assistant:answer of first', 'user:and second?', 'assistant:answer of second'],
    );

    const firstRun = identities.get('first');
    assert.ok(firstRun);
    const events1 = await get(`${base}/runs/first/events?limit=3`);
    assert.equal(events1.status, 200, JSON.stringify(events1.body));
    assert.equal(events1.body.runUid, firstRun.runUid);
    const events2 = await get(
      `${base}/runs/first/events?limit=3&continue=${encodeURIComponent(events1.body.continue)}`,
    );
    assert.equal(events2.status, 200);
    assert.deepEqual(
      [...events1.body.items, ...events2.body.items].map((e: RunEvent) => `${e.seq}:${e.body.type}`),
      ['1:started', '2:chunk', '3:tool_call', '4:completed'],
    );
    // a continue token of another listing is refused, not followed
    const foreign = await get(`${messagesPath}?continue=${encodeURIComponent(events1.body.continue)}`);
    assert.equal(foreign.status, 400);

    // another tenant learns nothing, not even whether the instance, session or run exists
    for (const pathName of [
      `${base}/instances/${instance}/sessions`,
      messagesPath,
      `${base}/runs/first/events`,
      `${base}/runs/no-such-run/events`,
    ]) {
      const refused = await get(pathName, bobToken);
      assert.equal(refused.status, 403, pathName);
      assert.equal(refused.body.code, 'Forbidden');
      assert.equal(JSON.stringify(refused.body).includes('answer of'), false);
    }
  });

  it('exits 1 when the database refuses it for good rather than waiting', async () => {
    assert.ok(postgres && nats && identity);
    await assert.rejects(
      startApiServerProcess({
        kubeconfig: identity.kubeconfigFile,
        env: {
          DATABASE_URL: postgres.url.replace(/\/postgres$/, '/no_such_database'),
          EVENT_BUS_URL: nats.url,
        },
      }),
      (error: Error) =>
        /exited early \(code 1/.test(error.message) &&
        error.message.includes('applying the session store migrations failed'),
    );
  });

  it('answers 503 for sessions when it runs without a database', async () => {
    const noDatabaseNs = await createTestNamespace(kube, 'run-events-nodb');
    const running = await startTestApiServer(kube, noDatabaseNs);
    try {
      const answer = await callApi(
        running.url,
        'GET',
        `/api/v1/namespaces/${tenantNs}/instances/${instance}/sessions`,
        { token: aliceToken },
      );
      assert.equal(answer.status, 503);
      assert.match(answer.body.message, /without a database \(DATABASE_URL\)/);
    } finally {
      await running.stop();
      await deleteTestNamespace(kube, noDatabaseNs);
    }
  });
});
