// Follows part of a stream from its first message, in stream order, for as long as the caller
// reads: a JetStream ordered consumer (ephemeral, no acks, in memory on the server), which the
// client recreates after the last stream sequence it saw when it misses heartbeats or a message.
// When the consumer cannot be recreated (the server was away too long) this loop creates a new one
// from that sequence, so a server restart neither skips nor repeats a message. Nothing is
// acknowledged or stored: following is a read.
import {
  DeliverPolicy,
  type ConsumerMessages,
  type JetStreamClient,
  type JsMsg,
  type OrderedConsumerOptions,
} from '@nats-io/jetstream';
import type { BusError } from './bus-error.ts';
import { busErrorCodes } from './bus-error.ts';
import type { Decoded, InvalidMessage } from './durable-consumer.ts';
import { toBusError } from './nats-error.ts';
import { backoffDelay, pause } from './retry.ts';

export interface FollowOptions {
  /** Ends the iteration; the server-side consumer is deleted. */
  signal: AbortSignal;
  /** Told about failures the follower recovers from (server away, consumer lost). */
  onError?: (error: BusError) => void;
  /** Told about messages skipped because they do not decode. */
  onInvalid?: (invalid: InvalidMessage) => void;
}

export interface Followed<T> {
  value: T;
  /** Position in the stream: increasing along one follow. */
  streamSequence: number;
}

export interface StreamFollowSpec<T> {
  js: JetStreamClient;
  stream: string;
  filterSubject: string;
  decode: (msg: JsMsg) => Decoded<T>;
  options: FollowOptions;
}

/** Messages the client asks for at a time; the reader takes each at once (a send to a socket). */
const pullBatch = 64;

function isFinal(error: BusError): boolean {
  return (
    error.code === busErrorCodes.permissionDenied ||
    error.code === busErrorCodes.authenticationFailed ||
    error.code === busErrorCodes.closed ||
    error.code === busErrorCodes.invalidName
  );
}

function notify<A extends unknown[]>(callback: ((...args: A) => void) | undefined, ...args: A): void {
  try {
    callback?.(...args);
  } catch {
    // an observer's failure is its own
  }
}

/** The ordered consumer's start: the stream's first message, or just after the last one seen. */
export function planFollowStart(
  filterSubject: string,
  lastSequence: number,
): Partial<OrderedConsumerOptions> {
  return lastSequence > 0
    ? {
        filter_subjects: filterSubject,
        deliver_policy: DeliverPolicy.StartSequence,
        opt_start_seq: lastSequence + 1,
      }
    : { filter_subjects: filterSubject, deliver_policy: DeliverPolicy.All };
}

/** Yields until `signal` (or `stop`) aborts; throws only what retrying cannot fix (permissions). */
export async function* followStream<T>(
  spec: StreamFollowSpec<T>,
  stop: AbortSignal,
): AsyncGenerator<Followed<T>> {
  const signal = AbortSignal.any([spec.options.signal, stop]);
  const doing = `following ${spec.stream} ${spec.filterSubject}`;
  let lastSequence = 0;
  let failures = 0;
  while (!signal.aborted) {
    let messages: ConsumerMessages | undefined;
    let remove: (() => Promise<unknown>) | undefined;
    const close = () => void messages?.close();
    signal.addEventListener('abort', close, { once: true });
    try {
      const consumer = await spec.js.consumers.get(
        spec.stream,
        planFollowStart(spec.filterSubject, lastSequence),
      );
      remove = () => consumer.delete();
      messages = await consumer.consume({ max_messages: pullBatch });
      if (signal.aborted) return;
      for await (const msg of messages) {
        if (signal.aborted) return;
        failures = 0;
        lastSequence = msg.seq;
        const decoded = spec.decode(msg);
        if (!decoded.ok) {
          if (!decoded.skip) {
            notify(spec.options.onInvalid, {
              subject: msg.subject,
              streamSequence: msg.seq,
              reason: decoded.reason,
              errors: decoded.errors,
            });
          }
          continue;
        }
        yield { value: decoded.value, streamSequence: msg.seq };
      }
      const ended = await messages.closed();
      if (ended instanceof Error) throw ended;
    } catch (error) {
      if (signal.aborted) return;
      const busError = toBusError(error, doing);
      if (isFinal(busError)) throw busError;
      notify(spec.options.onError, busError);
    } finally {
      signal.removeEventListener('abort', close);
      // close() frees the pull at once but settles only once a reader took its end: a pull stopped
      // before it was ever read would never settle, and this stream would never end
      void messages?.close();
      // the server drops it after its inactivity threshold anyway; deleting frees it at once
      void remove?.().catch(() => undefined);
    }
    if (signal.aborted) return;
    await pause(backoffDelay(failures++, 250, 5_000), signal);
  }
}
