// The history request of a run over core NATS request/reply (no stream: a request nobody answers
// now is worthless later). The bridge asks on its run's subject, which only its credentials may
// publish to; one API server replica of the queue group answers. Both messages are validated on
// both sides, and the asking run's identity comes from the subject, never from the payload alone.
import type { Msg, NatsConnection, Subscription } from '@nats-io/transport-node';
import {
  runHistoryReplySchema,
  runHistoryRequestSchema,
  type RunHistoryReply,
  type RunHistoryRequest,
} from '../api/run-history.ts';
import type { RunIdentity } from '../api/run-events.ts';
import { compileMessageValidator, formatFieldErrors } from '../api/validation.ts';
import { BusError, busErrorCodes } from './bus-error.ts';
import { toBusError } from './nats-error.ts';
import {
  allRunHistoryFilter,
  buildRunHistorySubject,
  parseRunHistorySubject,
  runHistoryQueue,
} from './subjects.ts';

/** Answers one run's history request; its identity is the subject's run with the request's uid. */
export type RunHistoryHandler = (identity: RunIdentity) => Promise<RunHistoryReply>;

export interface ServeHistoryOptions {
  signal: AbortSignal;
  /** A request that could not be answered (a bad subject or payload is answered `Invalid`). */
  onError?: (error: unknown) => void;
  /** Requests answered at once at most; more wait in the client's buffer. */
  maxInFlight?: number;
}

const validateRequest = compileMessageValidator(runHistoryRequestSchema);
const validateReply = compileMessageValidator(runHistoryReplySchema);
const textEncoder = new TextEncoder();

/** One attempt: the reply, or BusError (unavailable: nobody answered in time; permissionDenied). */
export async function requestRunHistory(
  nc: NatsConnection,
  identity: RunIdentity,
  timeoutMs: number,
): Promise<RunHistoryReply> {
  const subject = buildRunHistorySubject(identity);
  const request: RunHistoryRequest = { runUid: identity.runUid };
  let reply: Msg;
  try {
    reply = await nc.request(subject, textEncoder.encode(JSON.stringify(request)), { timeout: timeoutMs });
  } catch (error) {
    throw toBusError(error, `requesting the history of run ${identity.run}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(reply.string());
  } catch {
    throw new BusError(busErrorCodes.invalidMessage, 'the history reply is not JSON');
  }
  const check = validateReply(value);
  if (!check.ok) {
    throw new BusError(
      busErrorCodes.invalidMessage,
      `not a valid history reply: ${formatFieldErrors(check.errors)}`,
      { fieldErrors: check.errors },
    );
  }
  return check.value;
}

function refuse(message: string): RunHistoryReply {
  return { ok: false, reason: 'Invalid', message: message.slice(0, 1024) };
}

async function answer(msg: Msg, handler: RunHistoryHandler): Promise<void> {
  if (!msg.reply) return;
  const run = parseRunHistorySubject(msg.subject);
  let reply: RunHistoryReply;
  let parsed: unknown;
  try {
    parsed = JSON.parse(msg.string());
  } catch {
    parsed = undefined;
  }
  const check = validateRequest(parsed);
  if (!run) reply = refuse(`${msg.subject} is not a run's history subject`);
  else if (!check.ok) reply = refuse(`not a valid history request: ${formatFieldErrors(check.errors)}`);
  else reply = await handler({ ...run, runUid: check.value.runUid });
  msg.respond(textEncoder.encode(JSON.stringify(reply)));
}

/**
 * Answers history requests in the API server's queue group until `signal` aborts; throws when the
 * subscription ends otherwise (the connection closed), so the caller reconnects.
 */
export async function serveRunHistory(
  nc: NatsConnection,
  handler: RunHistoryHandler,
  options: ServeHistoryOptions,
): Promise<void> {
  const { signal } = options;
  if (signal.aborted) return;
  let subscription: Subscription;
  try {
    subscription = nc.subscribe(allRunHistoryFilter, { queue: runHistoryQueue });
    // a refused subscription arrives as an asynchronous error: a flush makes it this call's error
    await nc.flush();
  } catch (error) {
    throw toBusError(error, 'subscribing to history requests');
  }
  const stop = () => subscription.unsubscribe();
  signal.addEventListener('abort', stop, { once: true });
  const inFlight = new Set<Promise<void>>();
  const maxInFlight = options.maxInFlight ?? 32;
  try {
    for await (const msg of subscription) {
      const answering = answer(msg, handler)
        .catch((error: unknown) => options.onError?.(error))
        .finally(() => inFlight.delete(answering));
      inFlight.add(answering);
      if (inFlight.size >= maxInFlight) await Promise.race(inFlight);
    }
  } catch (error) {
    if (!signal.aborted) throw toBusError(error, 'serving history requests');
  } finally {
    signal.removeEventListener('abort', stop);
    await Promise.allSettled([...inFlight]);
  }
  if (!signal.aborted) {
    throw new BusError(busErrorCodes.unavailable, 'the history request subscription ended');
  }
}
