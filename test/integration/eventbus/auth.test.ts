// The bus in operator (JWT) mode, as installed: a run's bridge credential publishes its own run's
// events and reads its own input, and the server refuses it everything else (another run's events
// or input, even through its own consumer name; replies outside its inbox prefix). Expired
// credentials are refused, the controller credential consumes completions, and an input publisher
// cannot pose as a bridge.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { RunEvent, RunIdentity } from '../../../src/api/run-events.ts';
import {
  apiServerInboxPrefix,
  apiServerPermissions,
  buildRunEventSubject,
  buildRunHistorySubject,
  buildRunInboxPrefix,
  connectEventBus,
  controllerPermissions,
  createBusAuthority,
  inputPublisherInboxPrefix,
  inputPublisherPermissions,
  isAuthenticationFailed,
  isPermissionDenied,
  issueUserCredentials,
  runBridgePermissions,
  type BusAuthority,
  type BusError,
  type EventBus,
} from '../../../src/eventbus/index.ts';
import { eventually } from '../../harness/eventually.ts';
import { startNatsServer, type NatsServer } from '../../harness/nats-server.ts';
import { httpGet } from '../../harness/probes.ts';
import { buildCompletedEvent, buildIdentity, buildInput, buildStatusEvent } from './bus-fixtures.ts';

/** Asserts a BusError of code bus.PermissionDenied naming `subjectPrefix`. */
function refused(subjectPrefix: string) {
  return (error: unknown) => {
    assert.ok(isPermissionDenied(error), `permission denied, got ${String(error)}`);
    const subject = (error as BusError).subject ?? '';
    assert.ok(subject.startsWith(subjectPrefix), `refused subject ${subject} starts with ${subjectPrefix}`);
    return true;
  };
}

describe('event bus with decentralized JWT auth', () => {
  let authority: BusAuthority;
  let nats: NatsServer;
  let controller: EventBus;
  const runA = buildIdentity('auth');
  const runB = buildIdentity('auth');
  const buses: EventBus[] = [];
  const stops: AbortController[] = [];

  async function connectBridge(identity: RunIdentity, options: { withInboxPrefix?: boolean } = {}) {
    const inboxPrefix = options.withInboxPrefix === false ? undefined : buildRunInboxPrefix(identity);
    const credentials = await issueUserCredentials(authority, {
      name: `bridge/${identity.namespace}/${identity.run}`,
      permissions: runBridgePermissions(identity),
    });
    const bus = await connectEventBus({
      url: nats.url,
      name: `bridge-${identity.run}`,
      credentials,
      ...(inboxPrefix ? { inboxPrefix } : {}),
      connectTimeoutMs: 10_000,
    });
    buses.push(bus);
    return bus;
  }

  function consumeInput(bus: EventBus, identity: RunIdentity, received: string[]) {
    const stop = new AbortController();
    stops.push(stop);
    const done = bus.consumeRunInput(
      identity,
      async (input) => {
        received.push(input.id);
      },
      { signal: stop.signal },
    );
    return { stop, done };
  }

  before(async () => {
    authority = await createBusAuthority();
    nats = await startNatsServer({ authority });
    const credentials = await issueUserCredentials(authority, {
      name: 'controller',
      permissions: controllerPermissions(),
    });
    controller = await connectEventBus({
      url: nats.url,
      name: 'controller',
      credentials,
      connectTimeoutMs: 10_000,
    });
    buses.push(controller);
    await controller.ensureStreams({ timeoutMs: 10_000 });
  });

  after(async () => {
    for (const stop of stops) stop.abort();
    await Promise.allSettled(buses.map((bus) => bus.close()));
    await nats?.destroy();
  });

  it('refuses connections without credentials', async () => {
    await assert.rejects(
      connectEventBus({ url: nats.url, name: 'anonymous', connectTimeoutMs: 5_000 }),
      (error) => isAuthenticationFailed(error),
    );
  });

  it('refuses expired credentials', async () => {
    const credentials = await issueUserCredentials(authority, {
      name: 'expired',
      permissions: controllerPermissions(),
      expiresAt: new Date(Date.now() - 60_000),
    });
    await assert.rejects(
      connectEventBus({ url: nats.url, name: 'expired', credentials, connectTimeoutMs: 5_000 }),
      (error) => isAuthenticationFailed(error),
    );
  });

  it('refuses credentials signed by another authority', async () => {
    const stranger = await createBusAuthority();
    const credentials = await issueUserCredentials(stranger, {
      name: 'x',
      permissions: controllerPermissions(),
    });
    await assert.rejects(
      connectEventBus({ url: nats.url, name: 'stranger', credentials, connectTimeoutMs: 5_000 }),
      (error) => isAuthenticationFailed(error),
    );
  });

  it('fails at once on a malformed creds file', async () => {
    await assert.rejects(
      connectEventBus({
        url: nats.url,
        name: 'garbled',
        credentials: 'not a creds file',
        connectTimeoutMs: 5_000,
      }),
      { code: 'bus.InvalidCredentials' },
    );
  });

  it("lets a bridge publish its own run's events, and the controller consume its completion", async () => {
    const bridge = await connectBridge(runA);
    assert.equal((await bridge.publishRunEvent(buildStatusEvent(runA, 'status-1'))).duplicate, false);
    await bridge.publishRunEvent(buildCompletedEvent(runA));
    const received: RunEvent[] = [];
    const stop = new AbortController();
    stops.push(stop);
    const done = controller.consumeCompletedEvents(
      'controller',
      async (event) => {
        received.push(event);
      },
      { signal: stop.signal },
    );
    await eventually('the completion', async () => (received.length > 0 ? true : undefined), 15_000);
    stop.abort();
    await done;
    assert.deepEqual(
      received.map((event) => event.identity),
      [runA],
    );
  });

  it("refuses a bridge publishing another run's events", async () => {
    const bridge = await connectBridge(runA);
    await assert.rejects(
      bridge.publishRunEvent(buildCompletedEvent(runB), { timeoutMs: 5_000 }),
      refused(buildRunEventSubject(runB, 'completed')),
    );
    // refused once, not retried as if the server were away; the connection stays usable
    await bridge.publishRunEvent(buildStatusEvent(runA, 'status-after-refusal'));
  });

  it('lets a bridge read its own input only', async () => {
    await controller.publishRunInput(runA, buildInput('for-a'));
    await controller.publishRunInput(runB, buildInput('for-b'));
    const bridge = await connectBridge(runA);
    const received: string[] = [];
    const own = consumeInput(bridge, runA, received);
    await eventually('the input of run A', async () => (received.length > 0 ? true : undefined), 15_000);

    const others: string[] = [];
    await assert.rejects(
      consumeInput(bridge, runB, others).done,
      refused('$JS.API.CONSUMER.CREATE.K8SCLAW_RUN_INPUT.'),
    );
    // its own consumer name with another run's filter: the filter is part of the permitted subject
    await assert.rejects(
      consumeInput(bridge, { ...runB, runUid: runA.runUid }, others).done,
      refused(`$JS.API.CONSUMER.CREATE.K8SCLAW_RUN_INPUT.input-${runA.runUid}.`),
    );
    own.stop.abort();
    await own.done;
    assert.deepEqual(received, ['for-a']);
    assert.deepEqual(others, []);
  });

  it('refuses a bridge the replies of others: without its inbox prefix it gets no answer at all', async () => {
    const bridge = await connectBridge(runA, { withInboxPrefix: false });
    await assert.rejects(
      bridge.publishRunEvent(buildStatusEvent(runA, 'status-default-inbox'), { timeoutMs: 5_000 }),
      refused('_INBOX.'),
    );
  });

  it('lets an input publisher publish input and nothing else', async () => {
    const credentials = await issueUserCredentials(authority, {
      name: 'channel',
      permissions: inputPublisherPermissions(),
    });
    const channel = await connectEventBus({
      url: nats.url,
      name: 'channel',
      credentials,
      inboxPrefix: inputPublisherInboxPrefix,
      connectTimeoutMs: 10_000,
    });
    buses.push(channel);
    assert.equal((await channel.publishRunInput(runA, buildInput('from-channel'))).duplicate, false);
    await assert.rejects(
      channel.publishRunEvent(buildCompletedEvent(runA, 'forged'), { timeoutMs: 5_000 }),
      refused(buildRunEventSubject(runA, 'completed')),
    );
  });

  it("lets the API server answer each bridge's history request, and nobody but the run's bridge ask", async () => {
    const apiServer = await connectEventBus({
      url: nats.url,
      name: 'apiserver',
      credentials: await issueUserCredentials(authority, {
        name: 'apiserver',
        permissions: apiServerPermissions('k8sclaw-apiserver-run-events'),
      }),
      inboxPrefix: apiServerInboxPrefix,
      connectTimeoutMs: 10_000,
    });
    buses.push(apiServer);
    const stop = new AbortController();
    stops.push(stop);
    const asked: RunIdentity[] = [];
    const serving = apiServer.serveRunHistory(
      async (identity) => {
        asked.push(identity);
        return { ok: true, messages: [{ role: 'user', content: `history of ${identity.run}` }] };
      },
      { signal: stop.signal },
    );
    const bridge = await connectBridge(runA);
    const reply = await eventually('an answer from the queue group', async () =>
      bridge.requestRunHistory(runA, { timeoutMs: 2_000 }),
    );
    assert.deepEqual(reply, { ok: true, messages: [{ role: 'user', content: `history of ${runA.run}` }] });
    assert.deepEqual(asked.at(-1), runA);
    // another run's bridge and an input publisher may not ask for run A
    await assert.rejects(
      (await connectBridge(runB)).requestRunHistory(runA, { timeoutMs: 5_000 }),
      refused(buildRunHistorySubject(runA)),
    );
    const channel = await connectEventBus({
      url: nats.url,
      name: 'channel-history',
      credentials: await issueUserCredentials(authority, {
        name: 'channel',
        permissions: inputPublisherPermissions(),
      }),
      inboxPrefix: inputPublisherInboxPrefix,
      connectTimeoutMs: 10_000,
    });
    buses.push(channel);
    await assert.rejects(
      channel.requestRunHistory(runA, { timeoutMs: 5_000 }),
      refused(buildRunHistorySubject(runA)),
    );
    assert.equal(asked.length, 1, 'only the bridge of run A was answered');
    stop.abort();
    await serving;
  });

  it('keeps a bridge reading its input across a server restart, acknowledging what it handled', async () => {
    const run = buildIdentity('auth');
    const bridge = await connectBridge(run);
    const received: string[] = [];
    const consuming = consumeInput(bridge, run, received);
    await controller.publishRunInput(run, buildInput('before-restart'));
    await eventually('the first input', async () => (received.length > 0 ? true : undefined), 15_000);
    // after reconnecting the client re-reads its consumer (CONSUMER.INFO) before pulling again
    await nats.restart();
    await controller.publishRunInput(run, buildInput('after-restart'), { timeoutMs: 30_000 });
    await eventually('the second input', async () => (received.length > 1 ? true : undefined), 30_000);
    consuming.stop.abort();
    await consuming.done;
    assert.deepEqual(received, ['before-restart', 'after-restart']);
    const consumer = await eventually('the consumer state', async () => {
      const found = await fetchConsumer(nats, `input-${run.runUid}`);
      return found && found.num_ack_pending === 0 ? found : undefined;
    });
    assert.equal(consumer.ack_floor.stream_seq, consumer.delivered.stream_seq, 'every delivery acknowledged');
  });
});

interface ConsumerDetail {
  name: string;
  num_ack_pending: number;
  delivered: { stream_seq: number };
  ack_floor: { stream_seq: number };
}

async function fetchConsumer(nats: NatsServer, name: string): Promise<ConsumerDetail | undefined> {
  const response = await httpGet(`${nats.monitorUrl}/jsz?accounts=true&streams=true&consumers=true`);
  const jsz = JSON.parse(response.body) as {
    account_details?: { stream_detail?: { consumer_detail?: ConsumerDetail[] }[] }[];
  };
  return (jsz.account_details ?? [])
    .flatMap((account) => account.stream_detail ?? [])
    .flatMap((stream) => stream.consumer_detail ?? [])
    .find((consumer) => consumer.name === name);
}
