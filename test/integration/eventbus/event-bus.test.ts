// The event bus against a real nats-server with JetStream (no auth): streams are created
// idempotently with the configured limits, JetStream drops duplicate message ids, the durable
// consumer of completions catches up on what was published before it started, redelivers what a
// handler failed on, terminates what it cannot read, and carries on across a server restart with
// nothing lost and nothing handled twice.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  buildRunEventSubject,
  connectEventBus,
  runEventsStream,
  runInputStream,
  channelsStream,
  type Delivery,
  type EventBus,
  type InvalidMessage,
} from '../../../src/eventbus/index.ts';
import type { RunEvent } from '../../../src/api/run-events.ts';
import { eventually, settlesWithin } from '../../harness/eventually.ts';
import { startNatsServer, type NatsServer } from '../../harness/nats-server.ts';
import { httpGet } from '../../harness/probes.ts';
import {
  buildCompletedEvent,
  buildIdentity,
  buildInput,
  buildStatusEvent,
  publishRaw,
  Tally,
} from './bus-fixtures.ts';

interface StreamDetail {
  name: string;
  config: {
    subjects: string[];
    storage: string;
    max_age: number;
    duplicate_window: number;
    discard: string;
  };
  state: { messages: number };
}

async function fetchStreams(nats: NatsServer): Promise<Map<string, StreamDetail>> {
  const response = await httpGet(`${nats.monitorUrl}/jsz?streams=true&config=true`);
  const jsz = JSON.parse(response.body) as { account_details?: { stream_detail?: StreamDetail[] }[] };
  const streams = (jsz.account_details ?? []).flatMap((account) => account.stream_detail ?? []);
  return new Map(streams.map((stream) => [stream.name, stream]));
}

const ms = (nanoseconds: number) => nanoseconds / 1_000_000;

describe('event bus on a real nats-server', () => {
  let nats: NatsServer;
  let bridge: EventBus;
  let controller: EventBus;
  /** Consumers still running when a test fails are stopped here. */
  const stops: AbortController[] = [];

  function startConsuming(
    durableName: string,
    namespace: string,
    handler: (event: RunEvent, delivery: Delivery) => Promise<void>,
    extra: {
      ackWaitMs?: number;
      onInvalid?: (invalid: InvalidMessage) => void;
      onHandlerError?: () => void;
    } = {},
  ) {
    const stop = new AbortController();
    stops.push(stop);
    const done = controller.consumeCompletedEvents(
      durableName,
      // each test owns a namespace; the stream holds every test's completions
      async (event, delivery) =>
        event.identity.namespace === namespace ? handler(event, delivery) : undefined,
      { signal: stop.signal, retryDelayMs: 100, maxRetryDelayMs: 500, ...extra },
    );
    return { stop, done };
  }

  before(async () => {
    nats = await startNatsServer();
    bridge = await connectEventBus({ url: nats.url, name: 'test-bridge', connectTimeoutMs: 10_000 });
    controller = await connectEventBus({ url: nats.url, name: 'test-controller', connectTimeoutMs: 10_000 });
    await controller.ensureStreams({ timeoutMs: 10_000 });
  });

  after(async () => {
    for (const stop of stops) stop.abort();
    await Promise.allSettled([bridge?.close(), controller?.close()]);
    await nats?.destroy();
  });

  it('creates the streams with their limits, and again without error or change', async () => {
    await controller.ensureStreams({ timeoutMs: 10_000 });
    await bridge.ensureStreams({ timeoutMs: 10_000 });
    const streams = await fetchStreams(nats);
    const events = streams.get(runEventsStream.name);
    const input = streams.get(runInputStream.name);
    const channels = streams.get(channelsStream.name);
    assert.ok(events && input && channels, `the streams exist: ${[...streams.keys()].join(', ')}`);
    assert.deepEqual(events.config.subjects, ['k8sclaw.runs.>']);
    assert.equal(events.config.storage, 'file');
    assert.equal(events.config.discard, 'old');
    assert.equal(ms(events.config.max_age), 24 * 3_600_000);
    assert.equal(ms(events.config.duplicate_window), 10 * 60_000);
    assert.deepEqual(input.config.subjects, ['k8sclaw.input.>']);
    assert.equal(ms(input.config.max_age), 3_600_000);
    assert.deepEqual(channels.config.subjects, ['k8sclaw.channels.>']);
    assert.equal(ms(channels.config.max_age), 24 * 3_600_000);
    assert.equal(ms(channels.config.duplicate_window), 60 * 60_000);
    assert.equal(streams.size, 3);
  });

  it('drops a second message with the same id and says so', async () => {
    const identity = buildIdentity('dup');
    const first = await bridge.publishRunEvent(buildStatusEvent(identity, 'status-1'));
    const again = await bridge.publishRunEvent(buildStatusEvent(identity, 'status-1'));
    assert.equal(first.duplicate, false);
    assert.equal(again.duplicate, true);
    assert.equal(again.streamSequence, first.streamSequence);
    // the same id in another run is another message: ids are unique per run only
    const other = await bridge.publishRunEvent(buildStatusEvent(buildIdentity('dup'), 'status-1'));
    assert.equal(other.duplicate, false);
  });

  it('refuses to publish an invalid event', async () => {
    const event = { ...buildStatusEvent(buildIdentity('invalid-publish'), 'x'), seq: 0 };
    await assert.rejects(bridge.publishRunEvent(event), { code: 'bus.InvalidMessage' });
  });

  it('delivers a completion published while no consumer ran once the durable consumer starts', async () => {
    const identity = buildIdentity('late');
    await bridge.publishRunEvent(buildStatusEvent(identity, 'status-1'));
    await bridge.publishRunEvent(buildCompletedEvent(identity));
    const received: RunEvent[] = [];
    const consumer = startConsuming('late-controller', 'late', async (event) => {
      received.push(event);
    });
    await eventually('the completion', async () => (received.length > 0 ? true : undefined), 15_000);
    consumer.stop.abort();
    await consumer.done;
    assert.equal(received.length, 1, 'status events are not for this consumer');
    assert.deepEqual(received[0]?.identity, identity);
    assert.equal(received[0]?.body.type, 'completed');
  });

  it('redelivers a completion whose handler threw, and acknowledges it once handled', async () => {
    const identity = buildIdentity('retry');
    const deliveries: number[] = [];
    let failures = 0;
    const consumer = startConsuming(
      'retry-controller',
      'retry',
      async (_event, delivery) => {
        deliveries.push(delivery.deliveryCount);
        if (deliveries.length === 1) throw new Error('status write conflicted');
      },
      // a pull left open by the stopped consumer on this shared connection may take the next
      // message into a dead inbox: a short ack wait brings it back to the resumed consumer soon
      { onHandlerError: () => failures++, ackWaitMs: 2_000 },
    );
    await bridge.publishRunEvent(buildCompletedEvent(identity));
    await eventually('the redelivery', async () => (deliveries.length >= 2 ? true : undefined), 15_000);
    consumer.stop.abort();
    await consumer.done;
    assert.deepEqual(deliveries, [1, 2]);
    assert.equal(failures, 1);

    // acknowledged: a new run of the same consumer starts after it
    const again: string[] = [];
    const resumed = startConsuming(
      'retry-controller',
      'retry',
      async (event) => {
        again.push(event.identity.run);
      },
      { ackWaitMs: 2_000 },
    );
    const next = buildIdentity('retry');
    await bridge.publishRunEvent(buildCompletedEvent(next));
    await eventually('the next completion', async () => (again.length > 0 ? true : undefined), 15_000);
    resumed.stop.abort();
    await resumed.done;
    assert.deepEqual(again, [next.run]);
  });

  it('terminates unreadable messages, reports them, and goes on', async () => {
    const invalid: InvalidMessage[] = [];
    const handled: string[] = [];
    const consumer = startConsuming(
      'invalid-controller',
      'invalid',
      async (event) => {
        handled.push(event.identity.run);
      },
      { ackWaitMs: 1_000, onInvalid: (message) => invalid.push(message) },
    );
    const victim = buildIdentity('invalid');
    const forger = buildIdentity('invalid');
    await publishRaw(nats.url, buildRunEventSubject(forger, 'completed'), 'not json');
    // a payload naming another run than its subject: what a bridge could forge inside its own subjects
    await publishRaw(
      nats.url,
      buildRunEventSubject(forger, 'completed'),
      JSON.stringify(buildCompletedEvent(victim)),
    );
    await publishRaw(nats.url, buildRunEventSubject(forger, 'completed'), JSON.stringify({ id: 'x' }));
    const valid = buildIdentity('invalid');
    await bridge.publishRunEvent(buildCompletedEvent(valid));
    await eventually('the valid completion', async () => (handled.length > 0 ? true : undefined), 15_000);
    // past ack_wait: terminated messages are not redelivered
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    consumer.stop.abort();
    await consumer.done;
    assert.deepEqual(handled, [valid.run]);
    assert.deepEqual(
      invalid.map((message) => message.reason),
      [
        'payload is not JSON',
        'payload names another run or type than its subject',
        'payload is not a valid run event',
      ],
    );
    assert.ok(invalid[2]?.errors.some((error) => error.field === 'seq'));
  });

  it('hands every event of a run to consumeRunEvents with its message id, terminating the rest', async () => {
    const invalid: InvalidMessage[] = [];
    const handled: string[] = [];
    const stop = new AbortController();
    stops.push(stop);
    const done = controller.consumeRunEvents(
      'all-events',
      async (event, delivery) => {
        if (event.identity.namespace === 'all-events')
          handled.push(`${event.body.type}@${delivery.messageId ?? 'none'}`);
      },
      {
        signal: stop.signal,
        ackWaitMs: 1_000,
        onInvalid: (message) => {
          if (message.subject.includes('.all-events.')) invalid.push(message);
        },
      },
    );
    const run = buildIdentity('all-events');
    // no message id at all: what a publisher bypassing the event bus would send
    await publishRaw(
      nats.url,
      buildRunEventSubject(run, 'status'),
      JSON.stringify(buildStatusEvent(run, 'raw')),
    );
    await publishRaw(nats.url, buildRunEventSubject(run, 'status'), 'not json');
    // a run uid no message id can be built from, sent without one
    const oddUid = { ...run, runUid: 'not.a.uid' };
    await publishRaw(
      nats.url,
      buildRunEventSubject(oddUid, 'status'),
      JSON.stringify(buildStatusEvent(oddUid, 'odd')),
    );
    await bridge.publishRunEvent(buildStatusEvent(run, 's1'));
    await bridge.publishRunEvent(buildCompletedEvent(run));
    await eventually('both events', async () => (handled.length === 2 ? true : undefined), 15_000);
    // past ack_wait: terminated messages are not redelivered
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    stop.abort();
    await done;
    assert.deepEqual(handled, [`status@${run.runUid}:s1`, `completed@${run.runUid}:completed`]);
    assert.deepEqual(
      invalid.map((message) => message.reason),
      [
        'message id is not <run uid>:<event id> of its payload',
        'payload is not JSON',
        'message id is not <run uid>:<event id> of its payload',
      ],
    );
  });

  it('stops when its signal aborts; refuses a bad durable name and a closed bus', async () => {
    const consumer = startConsuming('stop-controller', 'stop', async () => undefined);
    await new Promise((resolve) => setTimeout(resolve, 200));
    consumer.stop.abort();
    await consumer.done;
    await assert.rejects(
      controller.consumeCompletedEvents('no.dots', async () => undefined, { signal: consumer.stop.signal }),
      { code: 'bus.InvalidName' },
    );
    const closing = await connectEventBus({ url: nats.url, name: 'closing', connectTimeoutMs: 5_000 });
    await closing.close();
    await assert.rejects(
      closing.consumeCompletedEvents('closed', async () => undefined, {
        signal: new AbortController().signal,
      }),
      { code: 'bus.Closed' },
    );
  });

  it('delivers run input to the run it is addressed to only', async () => {
    const identity = buildIdentity('input');
    const earlier = { ...identity, runUid: '00000000-0000-4000-8000-ffffffffffff' };
    await controller.publishRunInput(earlier, buildInput('for-the-earlier-run'));
    await controller.publishRunInput(identity, buildInput('one'));
    await controller.publishRunInput(buildIdentity('input'), buildInput('for-another-run'));
    await controller.publishRunInput(identity, buildInput('two'));
    const received: string[] = [];
    const stop = new AbortController();
    stops.push(stop);
    const done = bridge.consumeRunInput(
      identity,
      async (input) => {
        received.push(input.id);
      },
      { signal: stop.signal },
    );
    await eventually('both inputs', async () => (received.length >= 2 ? true : undefined), 15_000);
    stop.abort();
    await done;
    assert.deepEqual(received, ['one', 'two']);
  });

  it('a follow or a consumer stopped while it is being set up ends at once, and ends again and again', async () => {
    // stopped before the server answered the consumer's creation: nothing is ever read from that
    // pull, so its end must not wait for a reader
    for (let attempt = 0; attempt < 20; attempt++) {
      const stop = new AbortController();
      const events = controller.followRunEvents(
        { namespace: 'stopped-early', instance: 'bot.v1' },
        { signal: stop.signal },
      );
      const follow = events[Symbol.asyncIterator]();
      const first = follow.next();
      stop.abort();
      assert.deepEqual(await settlesWithin(first, 5_000, 'the stopped follow ending'), {
        done: true,
        value: undefined,
      });
    }
    for (let attempt = 0; attempt < 5; attempt++) {
      const stop = new AbortController();
      const consuming = controller.consumeCompletedEvents('stopped-early', async () => undefined, {
        signal: stop.signal,
      });
      await new Promise((resolve) => setImmediate(resolve));
      stop.abort();
      await settlesWithin(consuming, 5_000, 'the stopped consumer ending');
    }
  });

  it('keeps consuming across a server restart: nothing lost, nothing handled twice', async () => {
    const tally = new Tally();
    const consumer = startConsuming(
      'restart-controller',
      'restart',
      async (event) => {
        tally.add(event.identity.run);
        // slow enough that messages are still in flight when the server goes down
        await new Promise((resolve) => setTimeout(resolve, 100));
      },
      { ackWaitMs: 2_000 },
    );
    const before = Array.from({ length: 10 }, () => buildIdentity('restart'));
    const during = Array.from({ length: 10 }, () => buildIdentity('restart'));
    for (const identity of before) await bridge.publishRunEvent(buildCompletedEvent(identity));
    await eventually('some completions handled', async () => (tally.size >= 3 ? true : undefined), 15_000);

    // publishing on while the server is away: each publish waits for JetStream to return
    const publishing = (async () => {
      for (const identity of during) {
        await bridge.publishRunEvent(buildCompletedEvent(identity), { timeoutMs: 30_000 });
      }
    })();
    await nats.restart();
    await publishing;

    const all = [...before, ...during].map((identity) => identity.run);
    await eventually(
      'every completion handled',
      async () => (all.every((run) => tally.count(run) > 0) ? true : undefined),
      45_000,
    );
    // past ack_wait: a lost ack would have brought a redelivery by now
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    consumer.stop.abort();
    await consumer.done;
    assert.deepEqual(
      all.filter((run) => tally.count(run) !== 1).map((run) => `${run}: ${tally.count(run)}`),
      [],
    );
    assert.equal(tally.size, all.length);
  });
  it('closed while the server is down: the connection ends and does not come back with the server', async () => {
    const statuses: string[] = [];
    const name = 'closed-while-down';
    const bus = await connectEventBus({
      url: nats.url,
      name,
      connectTimeoutMs: 5_000,
      onStatus: (status) => statuses.push(status.type),
    });
    await nats.stop();
    await eventually('the disconnect seen', async () =>
      statuses.includes('disconnected') ? true : undefined,
    );
    // nothing can be flushed, so the close reports that, but it still ends the connection
    await bus.close().catch(() => undefined);
    await nats.restart();
    // longer than the reconnect wait (1 s), so a connection still reconnecting would be back by now
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    const connz = JSON.parse((await httpGet(`${nats.monitorUrl}/connz`)).body) as {
      connections?: { name?: string }[];
    };
    assert.deepEqual(
      (connz.connections ?? []).filter((connection) => connection.name === name),
      [],
      'the closed bus reconnected',
    );
    assert.ok(!statuses.includes('reconnected'), statuses.join(', '));
  });
});
