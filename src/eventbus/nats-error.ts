// Converts what the NATS client throws into a BusError. The client wraps its errors (a permission
// violation arrives as the cause of a RequestError, "no responders" as the cause of
// JetStreamNotEnabled), so the whole cause chain is inspected, outermost first.
import { JetStreamApiError, JetStreamError } from '@nats-io/jetstream';
import {
  AuthorizationError,
  ClosedConnectionError,
  ConnectionError,
  DrainingConnectionError,
  InvalidArgumentError,
  InvalidSubjectError,
  NoRespondersError,
  PermissionViolationError,
  RequestError,
  TimeoutError,
  UserAuthenticationExpiredError,
} from '@nats-io/transport-node';
import { BusError, busErrorCodes, type BusErrorCode } from './bus-error.ts';

/** JetStream API error codes this package reacts to. */
export const jetStreamErrorCodes = {
  streamNameInUse: 10058,
  consumerAlreadyExists: 10148,
  consumerNameInUse: 10013,
} as const;

function causeChain(error: unknown): unknown[] {
  const chain: unknown[] = [];
  let current: unknown = error;
  while (current !== undefined && current !== null && chain.length < 8 && !chain.includes(current)) {
    chain.push(current);
    current = current instanceof Error ? current.cause : undefined;
  }
  return chain;
}

function classify(error: unknown): { code: BusErrorCode; subject?: string } | undefined {
  if (error instanceof BusError) return { code: error.code };
  if (error instanceof PermissionViolationError) {
    return { code: busErrorCodes.permissionDenied, subject: error.subject };
  }
  if (error instanceof UserAuthenticationExpiredError || error instanceof AuthorizationError) {
    return { code: busErrorCodes.authenticationFailed };
  }
  if (error instanceof ClosedConnectionError || error instanceof DrainingConnectionError) {
    return { code: busErrorCodes.closed };
  }
  if (error instanceof RequestError && error.isNoResponders()) return { code: busErrorCodes.unavailable };
  if (error instanceof NoRespondersError || error instanceof TimeoutError) {
    return { code: busErrorCodes.unavailable };
  }
  if (error instanceof JetStreamApiError) {
    // 503: JetStream is starting, recovering or has lost its leader; 408: the request timed out inside
    return error.status === 503 || error.status === 408
      ? { code: busErrorCodes.unavailable }
      : { code: busErrorCodes.rejected };
  }
  if (error instanceof InvalidSubjectError || error instanceof InvalidArgumentError) {
    return { code: busErrorCodes.rejected };
  }
  return undefined;
}

/** The BusError for anything the NATS client threw; `doing` names the operation for the message. */
export function toBusError(error: unknown, doing: string): BusError {
  if (error instanceof BusError) return error;
  const chain = causeChain(error);
  for (const link of chain) {
    const found = classify(link);
    if (found) {
      const reason = link instanceof Error ? link.message : String(link);
      return new BusError(found.code, `${doing}: ${reason}`, { cause: error, subject: found.subject });
    }
  }
  // a connection refused or reset, or a JetStream status without an API error: worth retrying
  const transient = chain.some((link) => link instanceof ConnectionError || link instanceof JetStreamError);
  const reason = error instanceof Error ? error.message : String(error);
  return new BusError(transient ? busErrorCodes.unavailable : busErrorCodes.rejected, `${doing}: ${reason}`, {
    cause: error,
  });
}

/** True for a JetStream API error with one of the given NATS error codes. */
export function hasJetStreamErrorCode(error: unknown, ...codes: number[]): boolean {
  return causeChain(error).some((link) => link instanceof JetStreamApiError && codes.includes(link.code));
}
