// The WebSocket edge of the event streams: takes an HTTP upgrade request on a watch path and
// decides, before upgrading, exactly as the matching HTTP read would: Origin (allow-list), path
// parameters (400), bearer token from `Authorization` or the Kubernetes bearer subprotocol
// (TokenReview, 401), the route's SubjectAccessReviews (403), the run itself (404). Every refusal
// is an HTTP answer with the API's error body; only then does `ws` complete the handshake and the
// stream begins. Tracks its sockets so that stopping closes them (1001) and ends their bus follows.
import type { IncomingMessage } from 'node:http';
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import {
  agentRunKind,
  group,
  version,
  type AgentRun,
  type RunEvent,
  type RunIdentity,
} from '../api/index.ts';
import type { EventBus } from '../eventbus/index.ts';
import { undefinedIfNotFound, type KubeClient } from '../kube/index.ts';
import type { Logger } from '../observability/index.ts';
import { ApiError, apiErrorCodes, invalidRequest, toErrorResponse } from './api-error.ts';
import { parseBearerToken } from './bearer-token.ts';
import { pipeEventsToSocket } from './event-socket.ts';
import { streamRunEvents, streamSessionEvents, type StoredEventReader } from './event-streams.ts';
import type { AccessReviewer } from './kube-access-reviewer.ts';
import { isOriginAllowed } from './origin-check.ts';
import { checkPathParameters } from './path-parameters.ts';
import { describeAccess } from './resource-access.ts';
import { waitForRunEnd, type RunEndCheck } from './run-end.ts';
import { matchWatchPath, type WatchTarget } from './watch-routes.ts';
import { bearerProtocolPrefix, parseWebSocketProtocols, selectProtocol } from './websocket-protocols.ts';

export interface EventStreamServerOptions {
  kube: KubeClient;
  reviewer: AccessReviewer;
  /** The event bus the streams follow; connected on first use. Rejects when it is unreachable. */
  bus: () => Promise<Pick<EventBus, 'followRunEvents'>>;
  store?: StoredEventReader | undefined;
  logger?: Logger | undefined;
  /** Origins (normalised) whose pages may connect; requests without Origin always may. */
  allowedOrigins?: readonly string[];
  /** Bytes that may wait unsent to one client before it is disconnected as too slow. */
  maxBufferedBytes?: number;
  pingIntervalMs?: number;
  /** How a run's stream notices that its run ended without a completed event. */
  runEndCheck?: RunEndCheck;
  /**
   * Streams open at once; more are refused (503). Each holds an ephemeral consumer on the bus,
   * counted in the account's consumer limit with the runs' input consumers.
   */
  maxStreams?: number;
}

export interface EventStreamServer {
  /** The http server's `upgrade` listener. */
  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** Open streams. */
  readonly connections: number;
  /** Closes every stream (1001) and waits until they ended. */
  close(): Promise<void>;
}

export const defaultMaxBufferedBytes = 1024 * 1024;
export const defaultMaxStreams = 1000;
export const defaultRunEndCheck: RunEndCheck = { intervalMs: 10_000, graceMs: 30_000 };

/** Writes an HTTP answer on a socket that will not be upgraded, then closes it. */
function refuse(socket: Duplex, error: unknown, logger: Logger | undefined): void {
  const response = toErrorResponse(error);
  if (response.unexpected) logger?.error({ err: error }, 'event stream refused');
  const body = JSON.stringify(response.body);
  const lines = [
    `HTTP/1.1 ${response.status} ${STATUS_CODES[response.status] ?? ''}`,
    'Content-Type: application/json',
    `Content-Length: ${Buffer.byteLength(body)}`,
    'Connection: close',
    ...(response.status === 401 ? ['WWW-Authenticate: Bearer'] : []),
  ];
  if (socket.writable) socket.end(`${lines.join('\r\n')}\r\n\r\n${body}`);
  else socket.destroy();
}

const unauthorized = (message: string) => new ApiError(401, { code: apiErrorCodes.unauthorized, message });

async function fetchRun(kube: KubeClient, namespace: string, name: string): Promise<AgentRun> {
  const run = (await undefinedIfNotFound(
    kube.customObjects.getNamespacedCustomObject({
      group,
      version,
      plural: agentRunKind.plural,
      namespace,
      name,
    }),
  )) as AgentRun | undefined;
  if (!run?.metadata.uid) {
    throw new ApiError(404, {
      code: apiErrorCodes.notFound,
      message: `agentruns.${group} "${name}" not found in namespace "${namespace}"`,
    });
  }
  return run;
}

export function createEventStreamServer(options: EventStreamServerOptions): EventStreamServer {
  const { kube, reviewer, logger } = options;
  const wss = new WebSocketServer({
    noServer: true,
    // clients send nothing but control frames
    maxPayload: 4 * 1024,
    handleProtocols: (offered) =>
      selectProtocol([...offered].filter((p) => !p.startsWith(bearerProtocolPrefix))) || false,
  });
  const stopping = new AbortController();
  const open = new Set<Promise<void>>();

  /** Everything the matching HTTP read checks; resolves what the stream follows. */
  async function admit(
    request: IncomingMessage,
    target: WatchTarget,
  ): Promise<(socket: WebSocket) => Promise<void>> {
    const origin = request.headers.origin;
    if (!isOriginAllowed(origin, options.allowedOrigins ?? [])) {
      throw new ApiError(403, {
        code: apiErrorCodes.forbidden,
        message: `origin "${origin}" is not allowed`,
      });
    }
    checkPathParameters(target.params);
    const protocols = parseWebSocketProtocols(request.headers['sec-websocket-protocol']);
    if (!protocols.ok) throw unauthorized(protocols.reason);
    if (selectProtocol(protocols.protocols) === false) {
      throw invalidRequest([
        { field: 'Sec-WebSocket-Protocol', message: 'no subprotocol this stream speaks' },
      ]);
    }
    const token = parseBearerToken(request.headers.authorization) ?? protocols.token;
    if (!token) {
      throw unauthorized(
        'a bearer token is required (Authorization: Bearer <token>, or the bearer subprotocol)',
      );
    }
    const caller = await reviewer.authenticate(token);
    if (!caller) throw unauthorized('the bearer token is not valid');
    for (const access of target.route.access(target.params)) {
      const decision = await reviewer.authorize(caller, access);
      if (!decision.allowed) {
        throw new ApiError(403, {
          code: apiErrorCodes.forbidden,
          message: `user "${caller.username}" cannot ${describeAccess(access)}`,
        });
      }
    }
    const { namespace = '', name = '' } = target.params;
    // the run first: a missing run is a 404 whether or not the bus answers
    const run = target.kind === 'run' ? await fetchRun(kube, namespace, name) : undefined;
    const bus = await options.bus().catch((error: unknown) => {
      throw new ApiError(
        503,
        { code: apiErrorCodes.unavailable, message: 'the event bus is unavailable' },
        { cause: error },
      );
    });
    const pipe =
      (
        events: (signal: AbortSignal) => AsyncIterable<RunEvent>,
        endReason: string,
        /** Resolves with a reason to end the stream early (the run ended without its completion). */
        ends?: (signal: AbortSignal) => Promise<string | undefined>,
      ) =>
      async (socket: WebSocket) => {
        const abort = new AbortController();
        let reason = endReason;
        void ends?.(abort.signal).then((early) => {
          if (early === undefined) return;
          reason = early;
          abort.abort();
        });
        const closed = await pipeEventsToSocket(events(abort.signal), socket, {
          maxBufferedBytes: options.maxBufferedBytes ?? defaultMaxBufferedBytes,
          pingIntervalMs: options.pingIntervalMs ?? 30_000,
          abort,
          stopping: stopping.signal,
          endReason: () => reason,
        });
        abort.abort();
        const log = {
          route: target.kind,
          namespace,
          name,
          user: caller.username,
          code: closed.code,
          reason: closed.reason,
        };
        if (closed.error) logger?.warn({ ...log, err: closed.error }, 'event stream failed');
        else logger?.debug(log, 'event stream closed');
      };
    if (run) {
      const identity: RunIdentity = {
        namespace,
        instance: run.spec.instanceRef,
        run: name,
        runUid: run.metadata.uid ?? '',
      };
      return pipe(
        (signal) => streamRunEvents({ bus, store: options.store, logger, signal }, identity),
        'run completed',
        (signal) => waitForRunEnd(kube, identity, options.runEndCheck ?? defaultRunEndCheck, signal),
      );
    }
    const sessionKey = target.params.sessionKey ?? '';
    const isSessionRun = async (identity: RunIdentity) => {
      const run = (await undefinedIfNotFound(
        kube.customObjects.getNamespacedCustomObject({
          group,
          version,
          plural: agentRunKind.plural,
          namespace: identity.namespace,
          name: identity.run,
        }),
      )) as AgentRun | undefined;
      return (
        run?.metadata.uid === identity.runUid &&
        run.spec.instanceRef === name &&
        run.spec.sessionKey === sessionKey
      );
    };
    return pipe(
      (signal) =>
        streamSessionEvents(
          { bus, store: options.store, logger, signal, isSessionRun },
          { namespace, instance: name, sessionKey },
        ),
      'session stream ended',
    );
  }

  return {
    handleUpgrade(request, socket, head) {
      socket.on('error', () => socket.destroy());
      const target = matchWatchPath(request.url ?? '/');
      if (!target) {
        refuse(socket, new ApiError(404, { code: apiErrorCodes.notFound, message: 'no such route' }), logger);
        return;
      }
      if (open.size >= (options.maxStreams ?? defaultMaxStreams)) {
        refuse(
          socket,
          new ApiError(503, { code: apiErrorCodes.unavailable, message: 'too many event streams are open' }),
          logger,
        );
        return;
      }
      if (stopping.signal.aborted) {
        refuse(
          socket,
          new ApiError(503, { code: apiErrorCodes.unavailable, message: 'the API server is stopping' }),
          logger,
        );
        return;
      }
      const streaming = (async () => {
        let stream: (ws: WebSocket) => Promise<void>;
        try {
          stream = await admit(request, target);
        } catch (error) {
          refuse(socket, error, logger);
          return;
        }
        // ws answers a malformed handshake itself (400) and never calls back: the socket's close ends the wait
        const ws = await new Promise<WebSocket | undefined>((resolve) => {
          socket.once('close', () => resolve(undefined));
          wss.handleUpgrade(request, socket, head, resolve);
        });
        if (ws) await stream(ws);
      })();
      open.add(streaming);
      void streaming.finally(() => open.delete(streaming));
    },
    get connections() {
      return open.size;
    },
    async close() {
      stopping.abort();
      await Promise.allSettled([...open]);
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
