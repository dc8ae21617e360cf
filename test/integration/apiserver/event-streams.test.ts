// The API server's WebSocket event streams, through the binary, against a real nats-server in
// operator (JWT) mode, a real PostgreSQL and the test control plane: events are published as each
// run's IPC bridge would (with that run's own bus credentials) and read through
// `…/runs/{name}/events/watch` and `…/sessions/{sessionKey}/events/watch` by real ServiceAccounts
// of two tenants. A run is followed to its completion; a client joining mid-run gets the earlier
// events once; nats-server restarted mid-stream loses and repeats nothing; refusals are HTTP
// answers before the upgrade; a client that reads nothing is disconnected. The TUI's data layer
// follows a run through the CLI's own client and says why when it may not.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import {
  agentRunKind,
  apiVersion,
  resourceOf,
  type AgentRun,
  type RunEvent,
  type RunEventBody,
  type RunIdentity,
} from '../../../src/api/index.ts';
import {
  buildBearerProtocol,
  eventStreamProtocol,
  runEventRecorderName,
} from '../../../src/apiserver/index.ts';
import {
  apiServerInboxPrefix,
  apiServerPermissions,
  buildRunInboxPrefix,
  connectEventBus,
  isPermissionDenied,
  issueUserCredentials,
  runBridgePermissions,
  type BusAuthority,
  type EventBus,
} from '../../../src/eventbus/index.ts';
import {
  emptyRunEventLog,
  reduceRunFeed,
  runEventLines,
  type RunFeedUpdate,
} from '../../../src/cli/tui/run-event-log.ts';
import { TuiData } from '../../../src/cli/tui/tui-data.ts';
import { runManifest } from '../../fixtures/k8sclaw-objects.ts';
import type { ApiServerProcess } from '../../harness/api-server-process.ts';
import { startApiServerStack, type ApiServerStack } from '../../harness/api-server-stack.ts';
import { eventually } from '../../harness/eventually.ts';
import { integrationKubeClient } from '../../harness/integration.ts';
import type { NatsServer } from '../../harness/nats-server.ts';
import type { PostgresServer } from '../../harness/postgres.ts';
import { callApi } from './api-fixtures.ts';
import { openEventStream, requestUpgrade } from './stream-client.ts';

const group = { group: 'k8sclaw.io', version: 'v1alpha1' };
const instance = 'claw';
const allowedOrigin = 'https://console.example.test';
/** The smallest bound the server takes: a client that reads nothing reaches it quickly. */
const maxBufferedBytes = 64 * 1024;
const maxStreams = 3;

describe('WebSocket event streams of the API server', { timeout: 300_000 }, () => {
  const kube = integrationKubeClient();
  let stack: ApiServerStack | undefined;
  let authority: BusAuthority;
  let nats: NatsServer | undefined;
  let postgres: PostgresServer | undefined;
  let tenantNs = '';
  let aliceToken = '';
  let bobToken = '';
  let server: ApiServerProcess | undefined;
  const buses: EventBus[] = [];

  before(async () => {
    stack = await startApiServerStack({
      kube,
      name: 'streams',
      tenants: ['alice', 'bob'],
      env: {
        K8SCLAW_API_ALLOWED_ORIGINS: allowedOrigin,
        K8SCLAW_API_STREAM_MAX_BUFFERED_BYTES: String(maxBufferedBytes),
        K8SCLAW_API_STREAM_RUN_CHECK_SECONDS: '0.5',
        K8SCLAW_API_MAX_STREAMS: String(maxStreams),
        LOG_LEVEL: 'debug',
      },
    });
    ({ authority, nats, postgres, server } = stack);
    const [alice, bob] = stack.tenants;
    assert.ok(alice && bob);
    ({ namespace: tenantNs, token: aliceToken } = alice);
    bobToken = bob.token;
  });
  after(async () => {
    await Promise.all(buses.map((bus) => bus.close().catch(() => undefined)));
    await stack?.stop();
  });

  async function createRun(name: string, sessionKey = `api:${name}`): Promise<RunIdentity> {
    const run = (await kube.customObjects.createNamespacedCustomObject({
      ...group,
      namespace: tenantNs,
      plural: 'agentruns',
      body: runManifest(name, tenantNs, instance, { sessionKey, task: `task of ${name}` }),
    })) as AgentRun;
    assert.ok(run.metadata.uid);
    return { namespace: tenantNs, instance, run: name, runUid: run.metadata.uid };
  }

  /** Connects as the run's IPC bridge: credentials that may publish this run's events only. */
  async function connectBridge(run: RunIdentity): Promise<EventBus> {
    assert.ok(nats);
    const bus = await connectEventBus({
      url: nats.url,
      name: `ipc-bridge/${run.namespace}/${run.run}`,
      credentials: await issueUserCredentials(authority, {
        name: `ipc-bridge/${run.namespace}/${run.run}`,
        permissions: runBridgePermissions(run),
      }),
      inboxPrefix: buildRunInboxPrefix(run),
      connectTimeoutMs: 10_000,
    });
    buses.push(bus);
    return bus;
  }

  const event = (run: RunIdentity, seq: number, body: RunEventBody): RunEvent => ({
    id: `e${seq}`,
    seq,
    time: new Date(Date.UTC(2026, 0, 1, 0, 0, 0, seq)).toISOString(),
    identity: run,
    body,
  });
  const chunk = (run: RunIdentity, seq: number, text = `part ${seq}`) =>
    event(run, seq, { type: 'chunk', text });
  const completed = (run: RunIdentity, seq: number) =>
    event(run, seq, {
      type: 'completed',
      result: {
        status: 'succeeded',
        response: `answer of ${run.run}`,
        usage: { input: 3, output: 2 },
        toolCalls: 0,
        memoryUpdates: [],
      },
    });
  const publish = async (bus: EventBus, events: RunEvent[]) => {
    for (const e of events) await bus.publishRunEvent(e);
  };
  const seqs = (events: RunEvent[]) => events.map((e) => `${e.identity.run}:${e.seq}`);
  const runPath = (name: string, namespace = tenantNs) =>
    `/api/v1/namespaces/${namespace}/runs/${name}/events/watch`;
  const sessionPath = (sessionKey: string) =>
    `/api/v1/namespaces/${tenantNs}/instances/${instance}/sessions/${encodeURIComponent(sessionKey)}/events/watch`;

  it('follows a run from its start to its completion, then closes normally', async () => {
    assert.ok(server);
    const run = await createRun('followed');
    const bus = await connectBridge(run);
    await publish(bus, [event(run, 1, { type: 'started', provider: 'openai', model: 'gpt' }), chunk(run, 2)]);
    const stream = openEventStream(server.url, runPath('followed'), { token: aliceToken });
    await stream.opened;
    await stream.waitForEvents(2);
    await publish(bus, [
      event(run, 3, {
        type: 'tool_call',
        callId: 'c1',
        tool: 'read_file',
        arguments: '{}',
        outcome: 'ok',
        summary: 'read',
      }),
      event(run, 4, { type: 'status', message: 'thinking', iteration: 1 }),
      completed(run, 5),
    ]);
    const closed = await stream.closed;
    assert.deepEqual(closed, { code: 1000, reason: 'run completed' });
    assert.deepEqual(
      stream.events.map((e) => `${e.seq}:${e.body.type}`),
      ['1:started', '2:chunk', '3:tool_call', '4:status', '5:completed'],
    );
    assert.equal(stream.events[0]?.identity.runUid, run.runUid);
  });

  it('refuses a stream beyond the limit of open streams (503), and takes one again once one closed', async () => {
    assert.ok(server);
    await createRun('crowded');
    const streams = Array.from({ length: maxStreams }, () =>
      openEventStream(server!.url, runPath('crowded'), { token: aliceToken }),
    );
    await Promise.all(streams.map((stream) => stream.opened));
    const refused = await requestUpgrade(server.url, runPath('crowded'), {
      authorization: `Bearer ${aliceToken}`,
    });
    assert.equal(refused.status, 503);
    assert.match(refused.body?.message ?? '', /too many event streams/);
    for (const stream of streams) stream.close();
    await Promise.all(streams.map((stream) => stream.closed));
    const activeServer = server;
    const again = await eventually('a stream taken again', async () => {
      const answer = await requestUpgrade(activeServer.url, runPath('crowded'), {
        authorization: `Bearer ${aliceToken}`,
      });
      answer.socket?.destroy();
      return answer.status === 101 ? answer : undefined;
    });
    assert.equal(again.status, 101);
  });

  it('a client joining mid-run (token in the subprotocol) gets the earlier events exactly once', async () => {
    assert.ok(server);
    const activeServer = server;
    // an earlier run of the same name: its events share the subjects and must not show
    const earlier = await createRun('joined');
    await publish(await connectBridge(earlier), [
      chunk(earlier, 1, 'of the earlier run'),
      completed(earlier, 2),
    ]);
    await kube.customObjects.deleteNamespacedCustomObject({
      ...group,
      namespace: tenantNs,
      plural: 'agentruns',
      name: 'joined',
    });
    await eventually('the earlier run gone', async () =>
      (
        await callApi(activeServer.url, 'GET', `/api/v1/namespaces/${tenantNs}/runs/joined`, {
          token: aliceToken,
        })
      ).status === 404
        ? true
        : undefined,
    );
    const run = await createRun('joined');
    const bus = await connectBridge(run);
    await publish(
      bus,
      [1, 2, 3].map((seq) => chunk(run, seq)),
    );
    // the recorder has stored them: the stream replays from the store, then follows the bus
    await eventually('the first events stored', async () => {
      const stored = await callApi(
        activeServer.url,
        'GET',
        `/api/v1/namespaces/${tenantNs}/runs/joined/events`,
        {
          token: aliceToken,
        },
      );
      return stored.body?.items?.length === 3 ? true : undefined;
    });
    const stream = openEventStream(server.url, runPath('joined'), {
      token: aliceToken,
      tokenVia: 'protocol',
    });
    await stream.opened;
    assert.equal(stream.protocol(), eventStreamProtocol);
    await stream.waitForEvents(3);
    await publish(bus, [chunk(run, 4), completed(run, 5)]);
    assert.equal((await stream.closed).code, 1000);
    assert.deepEqual(seqs(stream.events), ['joined:1', 'joined:2', 'joined:3', 'joined:4', 'joined:5']);
    assert.ok(stream.events.every((e) => e.identity.runUid === run.runUid));
  });

  it('with PostgreSQL down, a run is replayed from the event bus alone', { timeout: 120_000 }, async () => {
    assert.ok(server && postgres);
    const run = await createRun('without-store');
    const bus = await connectBridge(run);
    await publish(
      bus,
      [1, 2].map((seq) => chunk(run, seq)),
    );
    await postgres.halt();
    try {
      const stream = openEventStream(server.url, runPath('without-store'), { token: aliceToken });
      await stream.opened;
      await stream.waitForEvents(2);
      await publish(bus, [chunk(run, 3), completed(run, 4)]);
      assert.equal((await stream.closed).code, 1000);
      assert.deepEqual(seqs(stream.events), [
        'without-store:1',
        'without-store:2',
        'without-store:3',
        'without-store:4',
      ]);
    } finally {
      await postgres.resume();
    }
  });

  it('refuses before the upgrade, as HTTP: no token 401, another tenant 403, bad Origin 403, no run 404', async () => {
    assert.ok(server);
    await createRun('guarded');
    const url = server.url;
    const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
    const cases: [string, string, Record<string, string>, number, string][] = [
      ['no token', runPath('guarded'), {}, 401, 'Unauthorized'],
      ['a bad token', runPath('guarded'), bearer('not-a-token'), 401, 'Unauthorized'],
      [
        'a bad token in the subprotocol',
        runPath('guarded'),
        { 'sec-websocket-protocol': `${buildBearerProtocol('not-a-token')}, ${eventStreamProtocol}` },
        401,
        'Unauthorized',
      ],
      ["another tenant's run", runPath('guarded'), bearer(bobToken), 403, 'Forbidden'],
      ["another tenant's missing run", runPath('no-such-run'), bearer(bobToken), 403, 'Forbidden'],
      ["another tenant's session", sessionPath('api:any'), bearer(bobToken), 403, 'Forbidden'],
      [
        'a page of another origin',
        runPath('guarded'),
        { ...bearer(aliceToken), origin: 'https://evil.example.test' },
        403,
        'Forbidden',
      ],
      ['a run that does not exist', runPath('no-such-run'), bearer(aliceToken), 404, 'NotFound'],
      ['a bad name', runPath('Not_A_Name'), bearer(aliceToken), 400, 'InvalidRequest'],
    ];
    for (const [name, pathName, headers, status, code] of cases) {
      const answer = await requestUpgrade(url, pathName, headers);
      answer.socket?.destroy();
      assert.equal(answer.status, status, name);
      assert.equal(answer.body?.code, code, name);
      assert.equal(JSON.stringify(answer.body).includes('answer of'), false, name);
    }
    // the allowed origin upgrades; a plain GET is told to upgrade, after the same checks
    const allowed = await requestUpgrade(url, runPath('guarded'), {
      ...bearer(aliceToken),
      origin: allowedOrigin,
    });
    assert.equal(allowed.status, 101);
    allowed.socket?.destroy();
    assert.equal((await callApi(url, 'GET', runPath('guarded'), { token: bobToken })).status, 403);
    assert.equal((await callApi(url, 'GET', runPath('guarded'), { token: aliceToken })).status, 426);
  });

  it('follows the events of a session: its runs stored and new, never another session’s', async () => {
    assert.ok(server);
    const activeServer = server;
    const sessionKey = 'telegram:7';
    const first = await createRun('session-first', sessionKey);
    await publish(await connectBridge(first), [chunk(first, 1), completed(first, 2)]);
    await eventually('the first run recorded in its session', async () => {
      const messages = await callApi(
        activeServer.url,
        'GET',
        `/api/v1/namespaces/${tenantNs}/instances/${instance}/sessions/${encodeURIComponent(sessionKey)}/messages`,
        { token: aliceToken },
      );
      return messages.body?.items?.length === 2 ? true : undefined;
    });
    const stream = openEventStream(server.url, sessionPath(sessionKey), { token: aliceToken });
    await stream.opened;
    await stream.waitForEvents(2);
    const other = await createRun('session-other', 'telegram:8');
    await publish(await connectBridge(other), [chunk(other, 1), completed(other, 2)]);
    const second = await createRun('session-second', sessionKey);
    await publish(await connectBridge(second), [chunk(second, 1), chunk(second, 2), completed(second, 3)]);
    await stream.waitForEvents(5);
    stream.close();
    await stream.closed;
    assert.deepEqual(seqs(stream.events), [
      'session-first:1',
      'session-first:2',
      'session-second:1',
      'session-second:2',
      'session-second:3',
    ]);
  });

  it('nats-server restarted mid-stream: the stream resumes without loss or repeat', async () => {
    assert.ok(server && nats);
    const run = await createRun('restarted');
    const bus = await connectBridge(run);
    await publish(
      bus,
      [1, 2, 3].map((seq) => chunk(run, seq)),
    );
    const stream = openEventStream(server.url, runPath('restarted'), { token: aliceToken });
    await stream.opened;
    await stream.waitForEvents(3);
    await nats.restart();
    // the bridge's publish waits for the server; the stream's consumer is recreated after seq 3
    await publish(
      bus,
      [4, 5, 6].map((seq) => chunk(run, seq)),
    );
    await stream.waitForEvents(6, 60_000);
    await nats.restart();
    await publish(bus, [chunk(run, 7), completed(run, 8)]);
    const closed = await stream.closed;
    assert.equal(closed.code, 1000);
    assert.deepEqual(
      stream.events.map((e) => e.seq),
      [1, 2, 3, 4, 5, 6, 7, 8],
    );
  });

  it('ends the stream of a run that finished without a completed event, or was deleted', async () => {
    assert.ok(server);
    const lost = await createRun('lost');
    await publish(await connectBridge(lost), [chunk(lost, 1)]);
    const stream = openEventStream(server.url, runPath('lost'), { token: aliceToken });
    await stream.waitForEvents(1);
    // what the controller writes when the run's Job is lost before its bridge published the result
    await kube.applyStatus(
      resourceOf(agentRunKind),
      {
        apiVersion,
        kind: 'AgentRun',
        metadata: { name: 'lost', namespace: tenantNs },
        status: { phase: 'Failed' },
      },
      'k8sclaw-test',
    );
    assert.deepEqual(await stream.closed, {
      code: 1000,
      reason: 'run finished (Failed) without a completed event',
    });
    assert.deepEqual(seqs(stream.events), ['lost:1']);

    await createRun('vanishing');
    const vanishing = openEventStream(server.url, runPath('vanishing'), { token: aliceToken });
    await vanishing.opened;
    await kube.customObjects.deleteNamespacedCustomObject({
      ...group,
      namespace: tenantNs,
      plural: 'agentruns',
      name: 'vanishing',
    });
    assert.deepEqual(await vanishing.closed, { code: 1000, reason: 'run deleted' });
  });

  it("the API server's bus rights follow runs but cannot take over the controller's durable consumer", async () => {
    assert.ok(nats);
    const apiServerBus = await connectEventBus({
      url: nats.url,
      name: 'k8sclaw-apiserver',
      inboxPrefix: apiServerInboxPrefix,
      credentials: await issueUserCredentials(authority, {
        name: 'k8sclaw-apiserver',
        permissions: apiServerPermissions(runEventRecorderName, {
          protectedDurables: ['k8sclaw-controller-results'],
        }),
      }),
      connectTimeoutMs: 10_000,
    });
    buses.push(apiServerBus);
    const run = await createRun('rights');
    await publish(await connectBridge(run), [chunk(run, 1), completed(run, 2)]);
    const followed: number[] = [];
    const stop = new AbortController();
    for await (const { value } of apiServerBus.followRunEvents(run, { signal: stop.signal })) {
      followed.push(value.seq);
      if (value.body.type === 'completed') break;
    }
    assert.deepEqual(followed, [1, 2]);
    await assert.rejects(
      // allowed, it would consume until the signal; denied, it fails at once
      apiServerBus.consumeCompletedEvents('k8sclaw-controller-results', async () => undefined, {
        signal: AbortSignal.timeout(10_000),
      }),
      (error: unknown) => isPermissionDenied(error),
    );
  });

  it('disconnects a client that reads nothing instead of buffering for it', async () => {
    assert.ok(server);
    const activeServer = server;
    const run = await createRun('unread');
    const bus = await connectBridge(run);
    const answer = await requestUpgrade(server.url, runPath('unread'), {
      authorization: `Bearer ${aliceToken}`,
    });
    assert.equal(answer.status, 101);
    const socket = answer.socket;
    assert.ok(socket);
    socket.pause();
    let socketClosed = false;
    socket.on('close', () => (socketClosed = true));
    socket.on('error', () => undefined);
    const text = 'x'.repeat(16_000);
    // far more than the bound plus what the kernel's socket buffers hold on loopback
    for (let seq = 1; seq <= 1_000; seq += 1) {
      await bus.publishRunEvent(chunk(run, seq, text));
      if (seq % 50 === 0 && (await readFile(activeServer.logFile, 'utf8')).includes('"code":1008')) break;
    }
    await eventually('the server closing the stream as too slow', async () =>
      (await readFile(activeServer.logFile, 'utf8')).includes('"code":1008') ? true : undefined,
    );
    socket.resume();
    await eventually('the connection dropped', async () => (socketClosed ? true : undefined));
  });

  it("the TUI's data layer follows a run's events, stops when told, and says why it may not", async () => {
    assert.ok(server);
    const url = server.url;
    const follow = (token: string, name: string) => {
      const data = new TuiData(kube, { connectApiServer: async () => ({ url, token }) });
      const updates: RunFeedUpdate[] = [];
      const stop = data.followRunEvents({ namespace: tenantNs, name }, (u) => updates.push(u));
      const lines = () => runEventLines(updates.reduce(reduceRunFeed, emptyRunEventLog));
      return { data, updates, stop, lines };
    };
    const run = await createRun('tui-followed');
    const bus = await connectBridge(run);
    await publish(bus, [
      event(run, 1, { type: 'started', provider: 'openai', model: 'gpt' }),
      chunk(run, 2, 'Hel'),
    ]);
    const followed = follow(aliceToken, 'tui-followed');
    await eventually('the stored events', async () =>
      followed.lines().join('\n').includes('  Hel') ? true : undefined,
    );
    await publish(bus, [chunk(run, 3, 'lo.'), completed(run, 4)]);
    await eventually('the stream to end', async () =>
      followed.updates.some((u) => u.type === 'ended') ? true : undefined,
    );
    assert.deepEqual(followed.lines(), [
      'started   openai/gpt',
      '  Hello.',
      'succeeded 3 in / 2 out tokens, 0 tool calls',
      '(events ended: run completed)',
    ]);
    await followed.data.stop();

    // stopped while the run goes on: nothing more is told
    const later = await createRun('tui-stopped');
    const laterBus = await connectBridge(later);
    await publish(laterBus, [chunk(later, 1, 'first')]);
    const stopped = follow(aliceToken, 'tui-stopped');
    await eventually('the first event', async () =>
      stopped.updates.some((u) => u.type === 'event') ? true : undefined,
    );
    stopped.stop();
    const told = stopped.updates.length;
    await publish(laterBus, [chunk(later, 2, 'second'), completed(later, 3)]);
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.equal(stopped.updates.length, told, 'nothing after the stop');
    await stopped.data.stop();

    // refused: the reason, as one sentence
    const refusals: [string, string, RegExp][] = [
      ["another tenant's run", bobToken, /^permission denied \(403\)/],
      ['a bad token', 'not-a-token', /^the API server did not accept the token \(401\)/],
    ];
    for (const [name, token, reason] of refusals) {
      const refused = follow(token, 'tui-followed');
      const update = await eventually(name, async () =>
        refused.updates.find(
          (u): u is Extract<RunFeedUpdate, { type: 'unavailable' }> => u.type === 'unavailable',
        ),
      );
      assert.match(update.reason, reason, name);
      await refused.data.stop();
    }
    const missing = follow(aliceToken, 'no-such-run');
    const gone = await eventually('a missing run', async () =>
      missing.updates.find(
        (u): u is Extract<RunFeedUpdate, { type: 'unavailable' }> => u.type === 'unavailable',
      ),
    );
    assert.match(gone.reason, /^not found \(404\)/);
    await missing.data.stop();
  });
});
