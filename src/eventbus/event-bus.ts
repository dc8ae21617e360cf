// The event bus as K8sClaw uses it: run events from bridges to the controller, follow-up input from
// channels to a running agent's bridge, both through JetStream streams. The NATS client stays behind
// this interface; callers see plain types and BusError. Every message is validated against its
// schema when published and again when consumed.
import { jetstream, jetstreamManager, DiscardPolicy, RetentionPolicy, StorageType } from '@nats-io/jetstream';
import type { JetStreamClient, JetStreamManager, JsMsg, StreamConfig } from '@nats-io/jetstream';
import {
  connect,
  credsAuthenticator,
  headers,
  nanos,
  type NatsConnection,
  type Status,
} from '@nats-io/transport-node';
import {
  runEventSchema,
  runInputSchema,
  type RunEvent,
  type RunIdentity,
  type RunInput,
} from '../api/run-events.ts';
import { compileMessageValidator, formatFieldErrors, type FieldError } from '../api/validation.ts';
import type { RunHistoryReply } from '../api/run-history.ts';
import {
  channelInboundMessageSchema,
  channelReplyReceiptSchema,
  channelReplySchema,
  type ChannelInboundMessage,
  type ChannelReply,
  type ChannelReplyReceipt,
} from '../api/channel-messages.ts';
import {
  allChannelInboundFilter,
  allChannelReceiptFilter,
  buildChannelInboundMessageId,
  buildChannelInboundSubject,
  buildChannelOutboundConsumerName,
  buildChannelOutboundSubject,
  buildChannelReceiptMessageId,
  buildChannelReceiptSubject,
  buildChannelReplyMessageId,
  channelInboundConsumerName,
  channelReceiptConsumerName,
  parseChannelSubject,
  type ChannelIdentity,
} from './channel-subjects.ts';
import { BusError, busErrorCodes } from './bus-error.ts';
import {
  requestRunHistory,
  serveRunHistory,
  type RunHistoryHandler,
  type ServeHistoryOptions,
} from './history-exchange.ts';
import {
  checkDurableName,
  messageIdHeader,
  runDurableConsumer,
  type ConsumeOptions,
  type Decoded,
  type Delivery,
  type DurableConsumerSpec,
} from './durable-consumer.ts';
import { hasJetStreamErrorCode, jetStreamErrorCodes, toBusError } from './nats-error.ts';
import { abortedError, backoffDelay, pause, retryWhileUnavailable, type RetryOptions } from './retry.ts';
import { followStream, type FollowOptions, type Followed } from './stream-follower.ts';
import {
  allRunEventsFilter,
  buildMessageId,
  buildRunEventScopeFilter,
  buildRunEventSubject,
  buildRunInputConsumerName,
  buildRunInputSubject,
  busStreams,
  completedEventsFilter,
  subagentRequestsFilter,
  channelsStream,
  runEventsStream,
  runInputStream,
  type RunEventScope,
  type StreamSpec,
} from './subjects.ts';

export interface EventBusOptions {
  /** One or more `nats://host:port` URLs. */
  url: string | string[];
  /** The text of a `.creds` file; without it the connection is anonymous. */
  credentials?: string;
  /** Shown in server monitoring. */
  name: string;
  /** Required when the credentials allow replies on a private prefix only (a run's bridge). */
  inboxPrefix?: string;
  /** Stops waiting for the first connection. */
  signal?: AbortSignal;
  /** How long to wait for the first connection while the server is unreachable. */
  connectTimeoutMs?: number;
  /** Timeout of one JetStream request. */
  requestTimeoutMs?: number;
  /** Connection changes after the first connect, for logs and readiness. */
  onStatus?: (status: BusStatus) => void;
}

export type BusStatus =
  | { type: 'disconnected'; server: string }
  | { type: 'reconnected'; server: string }
  | { type: 'error'; error: BusError };

export interface PublishResult {
  /** The stream already held this message id (an earlier publish, or an earlier attempt of this one). */
  duplicate: boolean;
  streamSequence: number;
}

export type RunEventHandler = (event: RunEvent, delivery: Delivery) => Promise<void>;
export type RunInputHandler = (input: RunInput, delivery: Delivery) => Promise<void>;
export type ChannelMessageHandler = (message: ChannelInboundMessage, delivery: Delivery) => Promise<void>;
export type ChannelReplyHandler = (reply: ChannelReply, delivery: Delivery) => Promise<void>;
export type ChannelReceiptHandler = (receipt: ChannelReplyReceipt, delivery: Delivery) => Promise<void>;

export interface EventBus {
  /** Creates the streams, or updates them to this version's configuration. */
  ensureStreams(options?: RetryOptions): Promise<void>;
  /** Validates and publishes one event of a run; retried while JetStream is unavailable. */
  publishRunEvent(event: RunEvent, options?: RetryOptions): Promise<PublishResult>;
  /** Hands every run's `completed` event to `handler` through the durable consumer `durableName`. */
  consumeCompletedEvents(
    durableName: string,
    handler: RunEventHandler,
    options: ConsumeOptions,
  ): Promise<void>;
  /**
   * Hands every event of every run to `handler` through the durable consumer `durableName`, in
   * stream order; only events whose message id is `<run uid>:<event id>` reach it.
   */
  consumeRunEvents(durableName: string, handler: RunEventHandler, options: ConsumeOptions): Promise<void>;
  /** Hands every run's `subagent_request` events to `handler` through the durable consumer `durableName`. */
  consumeSubagentRequests(
    durableName: string,
    handler: RunEventHandler,
    options: ConsumeOptions,
  ): Promise<void>;
  /**
   * Every event of the runs in `scope` (one run, or every run of an instance) from the start of the
   * stream, then each new one as it arrives, in stream order, until `signal` aborts. A server
   * restart is resumed after the last event handed out. Only events whose message id is `<run
   * uid>:<event id>` are handed out; runs of the same name are told apart by `identity.runUid`.
   */
  followRunEvents(scope: RunEventScope, options: FollowOptions): AsyncIterable<Followed<RunEvent>>;
  /** Queues a follow-up message for a running agent. */
  publishRunInput(identity: RunIdentity, input: RunInput, options?: RetryOptions): Promise<PublishResult>;
  /** Hands the input of this run (and no other) to `handler`. */
  consumeRunInput(identity: RunIdentity, handler: RunInputHandler, options: ConsumeOptions): Promise<void>;
  /**
   * Asks for this run's session history, once: BusError `bus.Unavailable` when nobody answered
   * within `timeoutMs`, `bus.PermissionDenied` when the credentials may not ask for this run.
   */
  requestRunHistory(identity: RunIdentity, options?: { timeoutMs?: number }): Promise<RunHistoryReply>;
  /** Answers every run's history requests (as one of the API server's queue group) until the signal. */
  serveRunHistory(handler: RunHistoryHandler, options: ServeHistoryOptions): Promise<void>;
  /**
   * Publishes a chat message a person sent to a channel, under the message id
   * `<instance uid>:<channel>:<message id>`, so the service delivering it again stores nothing new.
   */
  publishChannelMessage(
    identity: ChannelIdentity,
    message: ChannelInboundMessage,
    options?: RetryOptions,
  ): Promise<PublishResult>;
  /** Hands every channel's chat messages to `handler` through the API server's one durable consumer. */
  consumeChannelMessages(handler: ChannelMessageHandler, options: ConsumeOptions): Promise<void>;
  /** Publishes a reply for one channel, under the message id `<reply id>:reply`. */
  publishChannelReply(
    identity: ChannelIdentity,
    reply: ChannelReply,
    options?: RetryOptions,
  ): Promise<PublishResult>;
  /** Hands this channel's replies (and no other's) to `handler` through its durable consumer. */
  consumeChannelReplies(
    identity: ChannelIdentity,
    handler: ChannelReplyHandler,
    options: ConsumeOptions,
  ): Promise<void>;
  /** Publishes what became of one reply of this channel, under the message id `<reply id>:receipt`. */
  publishChannelReceipt(
    identity: ChannelIdentity,
    receipt: ChannelReplyReceipt,
    options?: RetryOptions,
  ): Promise<PublishResult>;
  /** Hands every channel's reply receipts to `handler` through the API server's one durable consumer. */
  consumeChannelReceipts(handler: ChannelReceiptHandler, options: ConsumeOptions): Promise<void>;
  /** Stops the consumers (letting handlers finish), flushes what is pending and closes. */
  close(): Promise<void>;
}

/** Carries the target run's uid: input of an earlier run of the same name is not delivered. */
const runUidHeader = 'K8sclaw-Run-Uid';
const defaultPublishTimeoutMs = 30_000;
const defaultConnectTimeoutMs = 60_000;
const defaultRequestTimeoutMs = 5_000;
/** A run's input consumer outlives a bridge restart but not the run by much. */
const inputConsumerInactiveMs = runInputStream.maxAgeMs;

const validateRunEvent = compileMessageValidator(runEventSchema);
const validateRunInput = compileMessageValidator(runInputSchema);
const validateChannelMessage = compileMessageValidator(channelInboundMessageSchema);
const validateChannelReply = compileMessageValidator(channelReplySchema);
const validateChannelReceipt = compileMessageValidator(channelReplyReceiptSchema);
const textEncoder = new TextEncoder();

function invalid(reason: string, errors: FieldError[] = []): Decoded<never> {
  return { ok: false, reason, errors };
}

function parseJson(msg: JsMsg): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(msg.string()) as unknown };
  } catch {
    return { ok: false };
  }
}

function subjectOrUndefined(build: () => string): string | undefined {
  try {
    return build();
  } catch {
    return undefined;
  }
}

/** A run event whose payload names the same run and type as the subject it arrived on. */
function decodeRunEvent(msg: JsMsg): Decoded<RunEvent> {
  const json = parseJson(msg);
  if (!json.ok) return invalid('payload is not JSON');
  const check = validateRunEvent(json.value);
  if (!check.ok) return invalid('payload is not a valid run event', check.errors);
  const event = check.value;
  // permissions bind a bridge to its subjects, not to what it writes inside them
  const expected = subjectOrUndefined(() => buildRunEventSubject(event.identity, event.body.type));
  if (expected !== msg.subject) return invalid('payload names another run or type than its subject');
  return { ok: true, value: event };
}

function decodeCompletedEvent(msg: JsMsg): Decoded<RunEvent> {
  const decoded = decodeRunEvent(msg);
  if (decoded.ok && decoded.value.body.type !== 'completed') return invalid('not a completed event');
  return decoded;
}

function decodeSubagentRequest(msg: JsMsg): Decoded<RunEvent> {
  const decoded = decodeRunEvent(msg);
  if (decoded.ok && decoded.value.body.type !== 'subagent_request') {
    return invalid('not a subagent_request event');
  }
  return decoded;
}

/** A run event carrying the message id it is stored under, so the bus and the store de-duplicate alike. */
function decodeIdentifiedRunEvent(msg: JsMsg): Decoded<RunEvent> {
  const decoded = decodeRunEvent(msg);
  if (!decoded.ok) return decoded;
  const { identity, id } = decoded.value;
  const expected = subjectOrUndefined(() => buildMessageId(identity, id));
  if (expected === undefined || msg.headers?.get(messageIdHeader) !== expected) {
    return invalid('message id is not <run uid>:<event id> of its payload');
  }
  return decoded;
}

function decodeRunInput(identity: RunIdentity, msg: JsMsg): Decoded<RunInput> {
  const addressedTo = msg.headers?.get(runUidHeader);
  if (addressedTo && addressedTo !== identity.runUid) return { ok: false, skip: true };
  const json = parseJson(msg);
  if (!json.ok) return invalid('payload is not JSON');
  const check = validateRunInput(json.value);
  if (!check.ok) return invalid('payload is not a valid run input', check.errors);
  return { ok: true, value: check.value };
}

/**
 * A chat message whose payload names the channel of its subject and whose message id is the one it
 * must be stored under: credentials bind a channel pod to its subject, not to what it writes there.
 */
function decodeChannelMessage(msg: JsMsg): Decoded<ChannelInboundMessage> {
  const json = parseJson(msg);
  if (!json.ok) return invalid('payload is not JSON');
  const check = validateChannelMessage(json.value);
  if (!check.ok) return invalid('payload is not a valid channel message', check.errors);
  const message = check.value;
  const channel = parseChannelSubject(msg.subject);
  if (
    channel?.direction !== 'in' ||
    channel.namespace !== message.namespace ||
    channel.instance !== message.instance ||
    channel.channel !== message.channel
  ) {
    return invalid('payload names another channel than its subject');
  }
  const expectedId = buildChannelInboundMessageId(message.instanceUid, message.channel, message.id);
  if (msg.headers?.get(messageIdHeader) !== expectedId) {
    return invalid('message id is not <instance uid>:<channel>:<id> of its payload');
  }
  return { ok: true, value: message };
}

function decodeChannelReply(msg: JsMsg): Decoded<ChannelReply> {
  const json = parseJson(msg);
  if (!json.ok) return invalid('payload is not JSON');
  const check = validateChannelReply(json.value);
  if (!check.ok) return invalid('payload is not a valid channel reply', check.errors);
  return { ok: true, value: check.value };
}

/** A receipt naming the channel of its subject, stored under the message id of the reply it names. */
function decodeChannelReceipt(msg: JsMsg): Decoded<ChannelReplyReceipt> {
  const json = parseJson(msg);
  if (!json.ok) return invalid('payload is not JSON');
  const check = validateChannelReceipt(json.value);
  if (!check.ok) return invalid('payload is not a valid reply receipt', check.errors);
  const receipt = check.value;
  const channel = parseChannelSubject(msg.subject);
  if (
    channel?.direction !== 'receipts' ||
    channel.namespace !== receipt.namespace ||
    channel.instance !== receipt.instance ||
    channel.channel !== receipt.channel
  ) {
    return invalid('payload names another channel than its subject');
  }
  if (msg.headers?.get(messageIdHeader) !== buildChannelReceiptMessageId(receipt.id)) {
    return invalid('message id is not <reply id>:receipt of its payload');
  }
  return { ok: true, value: receipt };
}

function checked<T>(check: { ok: true; value: T } | { ok: false; errors: FieldError[] }, what: string): T {
  if (check.ok) return check.value;
  throw new BusError(
    busErrorCodes.invalidMessage,
    `not a valid ${what}: ${formatFieldErrors(check.errors)}`,
    {
      fieldErrors: check.errors,
    },
  );
}

function buildStreamConfig(spec: StreamSpec): Partial<StreamConfig> & { name: string } {
  return {
    name: spec.name,
    subjects: spec.subjects,
    storage: StorageType.File,
    retention: RetentionPolicy.Limits,
    discard: DiscardPolicy.Old,
    max_age: nanos(spec.maxAgeMs),
    duplicate_window: nanos(spec.duplicateWindowMs),
    max_msg_size: spec.maxMessageBytes,
    num_replicas: 1,
  };
}

function toStatus(status: Status): BusStatus | undefined {
  switch (status.type) {
    case 'disconnect':
      return { type: 'disconnected', server: status.server };
    case 'reconnect':
      return { type: 'reconnected', server: status.server };
    case 'error':
      return { type: 'error', error: toBusError(status.error, 'event bus connection') };
    default:
      return undefined;
  }
}

class NatsEventBus implements EventBus {
  private readonly nc: NatsConnection;
  private readonly js: JetStreamClient;
  private readonly jsm: JetStreamManager;
  private readonly requestTimeoutMs: number;
  /** Aborted by close(): stops every consumer of this connection. */
  private readonly closing = new AbortController();
  private readonly consumers = new Set<Promise<void>>();
  private closed: Promise<void> | undefined;

  constructor(nc: NatsConnection, jsm: JetStreamManager, requestTimeoutMs: number) {
    this.nc = nc;
    this.jsm = jsm;
    this.js = jetstream(nc, { timeout: requestTimeoutMs });
    this.requestTimeoutMs = requestTimeoutMs;
  }

  async ensureStreams(options: RetryOptions = {}): Promise<void> {
    for (const spec of busStreams) {
      const doing = `ensuring stream ${spec.name}`;
      await retryWhileUnavailable(
        doing,
        async () => {
          try {
            await this.ensureStream(spec);
          } catch (error) {
            throw toBusError(error, doing);
          }
        },
        { ...options, defaultTimeoutMs: defaultPublishTimeoutMs },
      );
    }
  }

  private async ensureStream(spec: StreamSpec): Promise<void> {
    const config = buildStreamConfig(spec);
    try {
      await this.jsm.streams.add(config);
    } catch (error) {
      if (!hasJetStreamErrorCode(error, jetStreamErrorCodes.streamNameInUse)) throw error;
      const { name: _name, storage: _storage, retention: _retention, ...updatable } = config;
      await this.jsm.streams.update(spec.name, updatable);
    }
  }

  async publishRunEvent(event: RunEvent, options: RetryOptions = {}): Promise<PublishResult> {
    const check = validateRunEvent(event);
    if (!check.ok) {
      throw new BusError(
        busErrorCodes.invalidMessage,
        `not a valid run event: ${formatFieldErrors(check.errors)}`,
        {
          fieldErrors: check.errors,
        },
      );
    }
    const subject = buildRunEventSubject(event.identity, event.body.type);
    return await this.publish(
      subject,
      event,
      buildMessageId(event.identity, event.id),
      event.identity,
      options,
    );
  }

  async publishRunInput(
    identity: RunIdentity,
    input: RunInput,
    options: RetryOptions = {},
  ): Promise<PublishResult> {
    const check = validateRunInput(input);
    if (!check.ok) {
      throw new BusError(
        busErrorCodes.invalidMessage,
        `not a valid run input: ${formatFieldErrors(check.errors)}`,
        {
          fieldErrors: check.errors,
        },
      );
    }
    const subject = buildRunInputSubject(identity);
    return await this.publish(subject, input, buildMessageId(identity, input.id), identity, options);
  }

  async publishChannelMessage(
    identity: ChannelIdentity,
    message: ChannelInboundMessage,
    options: RetryOptions = {},
  ): Promise<PublishResult> {
    checked(validateChannelMessage(message), 'channel message');
    const msgID = buildChannelInboundMessageId(message.instanceUid, message.channel, message.id);
    return await this.publish(buildChannelInboundSubject(identity), message, msgID, undefined, options);
  }

  async consumeChannelMessages(handler: ChannelMessageHandler, options: ConsumeOptions): Promise<void> {
    await this.consume({
      stream: channelsStream.name,
      name: channelInboundConsumerName,
      filterSubject: allChannelInboundFilter,
      decode: decodeChannelMessage,
      handler,
      options,
    });
  }

  async publishChannelReply(
    identity: ChannelIdentity,
    reply: ChannelReply,
    options: RetryOptions = {},
  ): Promise<PublishResult> {
    checked(validateChannelReply(reply), 'channel reply');
    const msgID = buildChannelReplyMessageId(reply.id);
    return await this.publish(buildChannelOutboundSubject(identity), reply, msgID, undefined, options);
  }

  async consumeChannelReplies(
    identity: ChannelIdentity,
    handler: ChannelReplyHandler,
    options: ConsumeOptions,
  ): Promise<void> {
    await this.consume({
      stream: channelsStream.name,
      name: buildChannelOutboundConsumerName(identity),
      // the channel's permission names this exact filter in the consumer create subject
      filterSubject: buildChannelOutboundSubject(identity),
      decode: decodeChannelReply,
      handler,
      options,
    });
  }

  async publishChannelReceipt(
    identity: ChannelIdentity,
    receipt: ChannelReplyReceipt,
    options: RetryOptions = {},
  ): Promise<PublishResult> {
    checked(validateChannelReceipt(receipt), 'reply receipt');
    const msgID = buildChannelReceiptMessageId(receipt.id);
    return await this.publish(buildChannelReceiptSubject(identity), receipt, msgID, undefined, options);
  }

  async consumeChannelReceipts(handler: ChannelReceiptHandler, options: ConsumeOptions): Promise<void> {
    await this.consume({
      stream: channelsStream.name,
      name: channelReceiptConsumerName,
      filterSubject: allChannelReceiptFilter,
      decode: decodeChannelReceipt,
      handler,
      options,
    });
  }

  private async publish(
    subject: string,
    payload: unknown,
    msgID: string,
    identity: RunIdentity | undefined,
    options: RetryOptions,
  ): Promise<PublishResult> {
    const data = textEncoder.encode(JSON.stringify(payload));
    const doing = `publishing to ${subject}`;
    return await retryWhileUnavailable(
      doing,
      async (remainingMs) => {
        const messageHeaders = headers();
        if (identity) messageHeaders.set(runUidHeader, identity.runUid);
        try {
          const ack = await this.js.publish(subject, data, {
            msgID,
            headers: messageHeaders,
            timeout: Math.min(this.requestTimeoutMs, remainingMs),
          });
          return { duplicate: ack.duplicate, streamSequence: ack.seq };
        } catch (error) {
          throw toBusError(error, doing);
        }
      },
      { ...options, defaultTimeoutMs: defaultPublishTimeoutMs },
    );
  }

  async consumeCompletedEvents(
    durableName: string,
    handler: RunEventHandler,
    options: ConsumeOptions,
  ): Promise<void> {
    await this.consume({
      stream: runEventsStream.name,
      name: checkDurableName(durableName),
      filterSubject: completedEventsFilter,
      decode: decodeCompletedEvent,
      handler,
      options,
    });
  }

  async consumeSubagentRequests(
    durableName: string,
    handler: RunEventHandler,
    options: ConsumeOptions,
  ): Promise<void> {
    await this.consume({
      stream: runEventsStream.name,
      name: checkDurableName(durableName),
      filterSubject: subagentRequestsFilter,
      decode: decodeSubagentRequest,
      handler,
      options,
    });
  }

  async consumeRunEvents(
    durableName: string,
    handler: RunEventHandler,
    options: ConsumeOptions,
  ): Promise<void> {
    await this.consume({
      stream: runEventsStream.name,
      name: checkDurableName(durableName),
      filterSubject: allRunEventsFilter,
      decode: decodeIdentifiedRunEvent,
      handler,
      options,
    });
  }

  followRunEvents(scope: RunEventScope, options: FollowOptions): AsyncIterable<Followed<RunEvent>> {
    if (this.closing.signal.aborted) throw new BusError(busErrorCodes.closed, 'the event bus is closed');
    return followStream(
      {
        js: this.js,
        stream: runEventsStream.name,
        filterSubject: buildRunEventScopeFilter(scope),
        decode: decodeIdentifiedRunEvent,
        options,
      },
      this.closing.signal,
    );
  }

  async consumeRunInput(
    identity: RunIdentity,
    handler: RunInputHandler,
    options: ConsumeOptions,
  ): Promise<void> {
    await this.consume({
      stream: runInputStream.name,
      name: buildRunInputConsumerName(identity),
      // the bridge's permission names this exact filter in the consumer create subject
      filterSubject: buildRunInputSubject(identity),
      inactiveThresholdMs: inputConsumerInactiveMs,
      decode: (msg) => decodeRunInput(identity, msg),
      handler,
      options,
    });
  }

  async requestRunHistory(
    identity: RunIdentity,
    options: { timeoutMs?: number } = {},
  ): Promise<RunHistoryReply> {
    return await requestRunHistory(this.nc, identity, options.timeoutMs ?? this.requestTimeoutMs);
  }

  async serveRunHistory(handler: RunHistoryHandler, options: ServeHistoryOptions): Promise<void> {
    const signal = AbortSignal.any([options.signal, this.closing.signal]);
    await this.track(serveRunHistory(this.nc, handler, { ...options, signal }));
  }

  /** Runs a durable consumer of this connection until its signal or close() stops it. */
  private async consume<T>(spec: Omit<DurableConsumerSpec<T>, 'js' | 'jsm'>): Promise<void> {
    await this.track(runDurableConsumer({ ...spec, js: this.js, jsm: this.jsm }, this.closing.signal));
  }

  private async track(consuming: Promise<void>): Promise<void> {
    if (this.closing.signal.aborted) throw new BusError(busErrorCodes.closed, 'the event bus is closed');
    this.consumers.add(consuming);
    try {
      await consuming;
    } finally {
      this.consumers.delete(consuming);
    }
  }

  async close(): Promise<void> {
    this.closed ??= (async () => {
      this.closing.abort(new BusError(busErrorCodes.closed, 'the event bus is closed'));
      await Promise.allSettled([...this.consumers]);
      if (this.nc.isClosed()) return;
      try {
        await this.nc.drain();
      } catch (error) {
        if (this.nc.isClosed()) return;
        // A drain needs the server. Without it the connection would go on reconnecting for ever
        // (and keep its process alive): end it, then report what could not be flushed.
        await this.nc.close();
        throw toBusError(error, 'closing the event bus');
      }
    })();
    await this.closed;
  }
}

async function watchStatus(nc: NatsConnection, onStatus: (status: BusStatus) => void): Promise<void> {
  for await (const status of nc.status()) {
    const mapped = toStatus(status);
    if (!mapped) continue;
    try {
      onStatus(mapped);
    } catch {
      // an observer's failure must not end status reporting
    }
  }
}

/** A malformed creds file is a configuration error, not a reason to wait for the server. */
function checkCredentials(text: string): string {
  if (!/BEGIN NATS USER JWT-+\s*\S+/.test(text) || !/BEGIN USER NKEY SEED-+\s*SU\S+/.test(text)) {
    throw new BusError(
      busErrorCodes.invalidCredentials,
      'the event bus credentials are not a NATS creds file',
    );
  }
  return text;
}

/**
 * Connects, waiting (with backoff) while the server is unreachable, up to `connectTimeoutMs` or the
 * signal; refused credentials fail at once. Afterwards the client reconnects on its own, forever.
 */
export async function connectEventBus(options: EventBusOptions): Promise<EventBus> {
  const doing = `connecting to the event bus at ${String(options.url)}`;
  const requestTimeoutMs = options.requestTimeoutMs ?? defaultRequestTimeoutMs;
  const deadline = Date.now() + (options.connectTimeoutMs ?? defaultConnectTimeoutMs);
  const authenticator = options.credentials
    ? credsAuthenticator(textEncoder.encode(checkCredentials(options.credentials)))
    : undefined;
  for (let attempt = 0; ; attempt++) {
    if (options.signal?.aborted) throw abortedError(doing, options.signal);
    let nc: NatsConnection;
    try {
      nc = await connect({
        servers: options.url,
        name: options.name,
        ...(authenticator ? { authenticator } : {}),
        ...(options.inboxPrefix ? { inboxPrefix: options.inboxPrefix } : {}),
        maxReconnectAttempts: -1,
        reconnectTimeWait: 1_000,
        timeout: Math.max(1_000, Math.min(10_000, deadline - Date.now())),
      });
    } catch (error) {
      const busError = toBusError(error, doing);
      const remaining = deadline - Date.now();
      if (busError.code !== busErrorCodes.unavailable || remaining <= 0) throw busError;
      const waited = await pause(Math.min(backoffDelay(attempt, 250, 5_000), remaining), options.signal);
      if (!waited && options.signal) throw abortedError(doing, options.signal);
      continue;
    }
    if (options.onStatus) void watchStatus(nc, options.onStatus);
    // no account info request: a run's bridge may not ask for it
    const jsm = await jetstreamManager(nc, { checkAPI: false, timeout: requestTimeoutMs });
    return new NatsEventBus(nc, jsm, requestTimeoutMs);
  }
}
