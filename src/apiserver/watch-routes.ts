// The two WebSocket routes (a run's events, a session's events) as route definitions: the OpenAPI
// document lists them with the rest, the HTTP app answers a plain GET on them with 426 after the
// same checks, and the event stream server matches upgrade requests against their paths and
// authorises them with the same `access`. A run's stream needs what reading the run needs, a
// session's what reading the session's messages needs.
import { agentRunKind, clawInstanceKind, runEventSchema } from '../api/index.ts';
import { ApiError, apiErrorCodes } from './api-error.ts';
import { namespacePath } from './resource-routes.ts';
import { k8sclawResource } from './resource-access.ts';
import type { PathParameters, RouteDefinition } from './route-definition.ts';
import { eventStreamProtocol } from './websocket-protocols.ts';

const upgradeRequired = () => {
  throw new ApiError(426, {
    code: apiErrorCodes.invalidRequest,
    message: 'this route is a WebSocket: send the upgrade request (Connection: Upgrade, Upgrade: websocket)',
  });
};

const websocket = {
  subprotocol: eventStreamProtocol,
  description:
    'A WebSocket (RFC 6455). Each text frame is one run event as JSON. The bearer token goes in ' +
    '`Authorization`, or (browsers) in the subprotocol `base64url.bearer.authorization.k8s.io.<token ' +
    `as unpadded base64url>\` offered beside \`${eventStreamProtocol}\`. Requests with an \`Origin\` ` +
    'header must come from an allowed origin (403 otherwise). Refusals (400, 401, 403, 404, 503) are ' +
    'HTTP answers before the upgrade. Close codes: 1000 the stream ended, 1001 the server is stopping, ' +
    '1008 the client did not keep up, 1011 the stream failed.',
};

export const watchRunEventsRoute: RouteDefinition = {
  method: 'get',
  path: `${namespacePath}/runs/{name}/events/watch`,
  operationId: 'watchAgentRunEvents',
  summary:
    "Stream a run's events over a WebSocket: every event from its start, then each new one, each once; closed (1000) after the completed event.",
  tag: 'runs',
  response: {
    status: 101,
    description: 'Switching to the WebSocket; frames are run events.',
    schema: runEventSchema,
  },
  websocket,
  access: ({ namespace = '', name }) => [k8sclawResource('get', agentRunKind.plural, namespace, name)],
  handle: upgradeRequired,
};

export const watchSessionEventsRoute: RouteDefinition = {
  method: 'get',
  path: `${namespacePath}/instances/{name}/sessions/{sessionKey}/events/watch`,
  operationId: 'watchSessionEvents',
  summary:
    "Stream a session's events over a WebSocket: the events of its runs from the first, then those of its new runs as they happen.",
  tag: 'sessions',
  response: {
    status: 101,
    description: 'Switching to the WebSocket; frames are run events.',
    schema: runEventSchema,
  },
  websocket,
  access: ({ namespace = '', name }) => [k8sclawResource('get', clawInstanceKind.plural, namespace, name)],
  handle: upgradeRequired,
};

export const watchRoutes = [watchRunEventsRoute, watchSessionEventsRoute] as const;

export interface WatchTarget {
  kind: 'run' | 'session';
  route: RouteDefinition;
  params: PathParameters;
}

const runPattern = /^\/api\/v1\/namespaces\/([^/]+)\/runs\/([^/]+)\/events\/watch$/;
const sessionPattern =
  /^\/api\/v1\/namespaces\/([^/]+)\/instances\/([^/]+)\/sessions\/([^/]+)\/events\/watch$/;

function decode(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

/** The watch route a request URL names, with its path parameters decoded (pure). */
export function matchWatchPath(url: string): WatchTarget | undefined {
  const pathname = url.split('?')[0] ?? '';
  const run = runPattern.exec(pathname);
  if (run) {
    const [namespace, name] = [decode(run[1] ?? ''), decode(run[2] ?? '')];
    if (namespace === undefined || name === undefined) return undefined;
    return { kind: 'run', route: watchRunEventsRoute, params: { namespace, name } };
  }
  const session = sessionPattern.exec(pathname);
  if (session) {
    const [namespace, name, sessionKey] = [session[1], session[2], session[3]].map((s) => decode(s ?? ''));
    if (namespace === undefined || name === undefined || sessionKey === undefined) return undefined;
    return { kind: 'session', route: watchSessionEventsRoute, params: { namespace, name, sessionKey } };
  }
  return undefined;
}
