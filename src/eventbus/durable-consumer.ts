// One durable pull consumer driven until the caller stops it: messages are handled one at a time,
// acknowledged after the handler resolves, negatively acknowledged with a growing delay when it
// throws, and terminated when they cannot be decoded. Server restarts, a lost consumer or a missing
// stream are survived by recreating the consumer and pulling again; only errors that retrying cannot
// fix (permissions, credentials, a closed connection) end the loop.
import {
  AckPolicy,
  DeliverPolicy,
  ReplayPolicy,
  type ConsumerConfig,
  type ConsumerInfo,
  type ConsumerMessages,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
} from '@nats-io/jetstream';
import { nanos } from '@nats-io/transport-node';
import type { FieldError } from '../api/validation.ts';
import { BusError, busErrorCodes } from './bus-error.ts';
import { hasJetStreamErrorCode, jetStreamErrorCodes, toBusError } from './nats-error.ts';
import { backoffDelay, pause } from './retry.ts';

/** Where a handled message came from, for logs and idempotency keys. */
export interface Delivery {
  subject: string;
  /** Position in the stream: stable across redeliveries and server restarts. */
  streamSequence: number;
  /** 1 on first delivery. */
  deliveryCount: number;
  /** The publisher's message id (`Nats-Msg-Id`), when it set one. */
  messageId?: string;
}

/** A message the consumer terminated instead of handing to the handler. */
export interface InvalidMessage {
  subject: string;
  streamSequence: number;
  reason: string;
  errors: FieldError[];
}

export interface ConsumeOptions {
  /** Stops consuming: the message being handled is finished and settled first. */
  signal: AbortSignal;
  /** Told about every terminated message; must not throw (what it throws is dropped). */
  onInvalid?: (invalid: InvalidMessage) => void;
  /** Told when the handler throws; the message is redelivered after a delay. */
  onHandlerError?: (error: unknown, delivery: Delivery) => void;
  /** Told about failures consumption recovers from (server away, consumer lost, an unsent ack). */
  onError?: (error: BusError) => void;
  /** How long the server waits for an ack before redelivering; extended while the handler runs. */
  ackWaitMs?: number;
  /** Redelivery delay after the handler's first failure, doubled per delivery. */
  retryDelayMs?: number;
  maxRetryDelayMs?: number;
}

export type Decoded<T> =
  | { ok: true; value: T }
  /** Not for this consumer (e.g. input of an earlier run of the same name): acknowledged unhandled. */
  | { ok: false; skip: true }
  | { ok: false; skip?: false; reason: string; errors: FieldError[] };

export interface DurableConsumerSpec<T> {
  js: JetStreamClient;
  jsm: JetStreamManager;
  stream: string;
  name: string;
  filterSubject: string;
  /** Lets the server delete a consumer nobody pulled from for this long. */
  inactiveThresholdMs?: number;
  decode: (msg: JsMsg) => Decoded<T>;
  handler: (value: T, delivery: Delivery) => Promise<void>;
  options: ConsumeOptions;
}

const defaults = { ackWaitMs: 30_000, retryDelayMs: 1_000, maxRetryDelayMs: 60_000 };
/** Small batches: messages wait in the client while earlier ones are handled, their ack clock running. */
const pullBatch = 4;
/** Pull expiry; also sets the heartbeat by which a dead pull is noticed after a server restart. */
const pullExpiresMs = 10_000;
/** Stream sequences already handled and acknowledged, to ack a redelivery without handling it twice. */
const rememberedSequences = 4_096;

/** The header JetStream de-duplicates on. */
export const messageIdHeader = 'Nats-Msg-Id';

const durableNamePattern = /^[A-Za-z0-9_-]{1,64}$/;

export function checkDurableName(name: string): string {
  if (!durableNamePattern.test(name)) {
    throw new BusError(busErrorCodes.invalidName, `"${name}" cannot be a durable consumer name`);
  }
  return name;
}

class SequenceMemory {
  private readonly seen = new Set<number>();
  private readonly limit: number;

  constructor(limit: number) {
    this.limit = limit;
  }

  has(sequence: number): boolean {
    return this.seen.has(sequence);
  }

  add(sequence: number): void {
    this.seen.add(sequence);
    if (this.seen.size > this.limit) {
      const oldest = this.seen.values().next();
      if (!oldest.done) this.seen.delete(oldest.value);
    }
  }
}

function buildConsumerConfig<T>(spec: DurableConsumerSpec<T>): Partial<ConsumerConfig> {
  return {
    durable_name: spec.name,
    filter_subject: spec.filterSubject,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    replay_policy: ReplayPolicy.Instant,
    ack_wait: nanos(spec.options.ackWaitMs ?? defaults.ackWaitMs),
    // completions must never be dropped: a failing handler is retried with capped backoff instead
    max_deliver: -1,
    max_ack_pending: 256,
    ...(spec.inactiveThresholdMs ? { inactive_threshold: nanos(spec.inactiveThresholdMs) } : {}),
  };
}

/** Create the consumer, or bring an existing one of that name to this configuration. */
async function ensureConsumer<T>(spec: DurableConsumerSpec<T>): Promise<ConsumerInfo> {
  const config = buildConsumerConfig(spec);
  try {
    return await spec.jsm.consumers.add(spec.stream, config);
  } catch (error) {
    if (
      !hasJetStreamErrorCode(
        error,
        jetStreamErrorCodes.consumerAlreadyExists,
        jetStreamErrorCodes.consumerNameInUse,
      )
    ) {
      throw error;
    }
    const { ack_wait, max_deliver, max_ack_pending, filter_subject, inactive_threshold } = config;
    return await spec.jsm.consumers.update(spec.stream, spec.name, {
      ack_wait,
      max_deliver,
      max_ack_pending,
      filter_subject,
      ...(inactive_threshold ? { inactive_threshold } : {}),
    });
  }
}

function isFinal(error: BusError): boolean {
  return (
    error.code === busErrorCodes.permissionDenied ||
    error.code === busErrorCodes.authenticationFailed ||
    error.code === busErrorCodes.closed ||
    error.code === busErrorCodes.invalidName
  );
}

/** Callbacks are observers: what they throw must not stop consumption. */
function notify<A extends unknown[]>(callback: ((...args: A) => void) | undefined, ...args: A): void {
  if (!callback) return;
  try {
    callback(...args);
  } catch {
    // an observer's failure is its own; the message has already been settled
  }
}

/** Closes the pull when the consumer or its stream vanished, so the loop recreates it. */
async function closeWhenConsumerLost(messages: ConsumerMessages): Promise<void> {
  for await (const status of messages.status()) {
    if (
      status.type === 'consumer_deleted' ||
      status.type === 'consumer_not_found' ||
      status.type === 'stream_not_found'
    ) {
      await messages.close();
      return;
    }
  }
}

/** Runs until `options.signal` or `stop` aborts; rejects only with an error retrying cannot fix. */
export async function runDurableConsumer<T>(spec: DurableConsumerSpec<T>, stop: AbortSignal): Promise<void> {
  const signal = AbortSignal.any([spec.options.signal, stop]);
  const doing = `consuming ${spec.stream}/${spec.name}`;
  const handled = new SequenceMemory(rememberedSequences);
  const settle = (action: () => void): void => {
    try {
      action();
    } catch (error) {
      // an unsent ack or nak only means a redelivery after ack_wait
      notify(spec.options.onError, toBusError(error, `${doing}: settling a message`));
    }
  };

  const handle = async (msg: JsMsg): Promise<void> => {
    const messageId = msg.headers?.get(messageIdHeader);
    const delivery: Delivery = {
      subject: msg.subject,
      streamSequence: msg.seq,
      deliveryCount: msg.info.deliveryCount,
      ...(messageId ? { messageId } : {}),
    };
    if (handled.has(msg.seq)) {
      settle(() => msg.ack());
      return;
    }
    const decoded = spec.decode(msg);
    if (!decoded.ok) {
      if (decoded.skip) {
        settle(() => msg.ack());
        return;
      }
      settle(() => msg.term(decoded.reason));
      notify(spec.options.onInvalid, {
        subject: msg.subject,
        streamSequence: msg.seq,
        reason: decoded.reason,
        errors: decoded.errors,
      });
      return;
    }
    const ackWaitMs = spec.options.ackWaitMs ?? defaults.ackWaitMs;
    const keepAlive = setInterval(() => settle(() => msg.working()), Math.max(500, ackWaitMs / 3));
    try {
      await spec.handler(decoded.value, delivery);
    } catch (error) {
      notify(spec.options.onHandlerError, error, delivery);
      const first = spec.options.retryDelayMs ?? defaults.retryDelayMs;
      const max = spec.options.maxRetryDelayMs ?? defaults.maxRetryDelayMs;
      settle(() => msg.nak(backoffDelay(delivery.deliveryCount - 1, first, max)));
      return;
    } finally {
      clearInterval(keepAlive);
    }
    handled.add(msg.seq);
    settle(() => msg.ack());
  };

  let failures = 0;
  while (!signal.aborted) {
    try {
      const info = await ensureConsumer(spec);
      const messages = await spec.js.consumers
        .getConsumerFromInfo(info)
        .consume({ max_messages: pullBatch, expires: pullExpiresMs });
      const close = () => void messages.close();
      signal.addEventListener('abort', close, { once: true });
      // stopped while the pull was being set up: the listener came too late to hear it
      if (signal.aborted) close();
      const watching = closeWhenConsumerLost(messages).catch((error: unknown) =>
        notify(spec.options.onError, toBusError(error, `${doing}: watching the consumer`)),
      );
      try {
        for await (const msg of messages) {
          // stopping: hand buffered messages back at once instead of after ack_wait
          if (signal.aborted) {
            settle(() => msg.nak());
            continue;
          }
          failures = 0;
          await handle(msg);
        }
      } finally {
        signal.removeEventListener('abort', close);
        await messages.close();
        await watching;
      }
      const ended = await messages.closed();
      if (ended instanceof Error) throw ended;
    } catch (error) {
      if (signal.aborted) return;
      const busError = toBusError(error, doing);
      if (isFinal(busError)) throw busError;
      notify(spec.options.onError, busError);
    }
    // the pull ended without being stopped (consumer or stream lost): recreate it, not in a hot loop
    await pause(backoffDelay(failures++, 250, 5_000), signal);
  }
}
