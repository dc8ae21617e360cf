// One route of the HTTP API as data: its method and path, what the caller must be allowed to do
// (the SubjectAccessReviews), its body and response schemas, and its handler. The app registers
// these and the OpenAPI document is generated from the same list, so the two cannot disagree.
import type { TSchema } from '@sinclair/typebox';
import type { KubeClient } from '../kube/index.ts';
import type { SessionStore } from '../session/index.ts';
import type { Caller } from './kube-access-reviewer.ts';
import type { ResourceAccess } from './resource-access.ts';

export type HttpMethod = 'get' | 'post' | 'delete';

/** Path parameters; `namespace` is on every resource route. */
export type PathParameters = Record<string, string>;

export interface RouteContext {
  kube: KubeClient;
  caller: Caller;
  params: PathParameters;
  query: Record<string, string>;
  /** The request body, already checked against the route's `requestBody` schema. */
  body: unknown;
  now: () => Date;
  /** The session store; absent when the API server runs without a database. */
  sessions: SessionReader | undefined;
  /** Aborts when the client goes away (a long wait stops then). */
  signal: AbortSignal;
}

/** What routes read from the session store. */
export type SessionReader = Pick<
  SessionStore,
  'listSessions' | 'listMessages' | 'pageRunEvents' | 'fetchRun' | 'fetchMessage' | 'waitForRecordedRun'
>;

/** A query parameter a route takes besides pagination; documented in the OpenAPI document. */
export interface QueryParameter {
  name: string;
  description: string;
  schema: TSchema;
}

export interface RouteResponse {
  status: number;
  description: string;
  schema: TSchema;
}

/** What a handler returns to answer with another status than its route's `response.status`. */
export class RouteReply {
  readonly status: number;
  readonly body: unknown;
  constructor(status: number, body: unknown) {
    this.status = status;
    this.body = body;
  }
}

export interface RouteDefinition {
  method: HttpMethod;
  /** OpenAPI path template under the server root, e.g. `/api/v1/namespaces/{namespace}/runs`. */
  path: string;
  operationId: string;
  summary: string;
  tag: string;
  /** Takes `limit` and `continue`. */
  paginated?: boolean;
  /** Query parameters it takes besides `limit` and `continue`; any other is refused by name. */
  queryParameters?: readonly QueryParameter[];
  requestBody?: TSchema;
  response: RouteResponse;
  /** Further answers a handler may give with a RouteReply. */
  otherResponses?: readonly RouteResponse[];
  /** A WebSocket route: `response.schema` is the schema of each message. */
  websocket?: { subprotocol: string; description: string };
  /** Every permission the caller needs, each checked with a SubjectAccessReview. */
  access: (params: PathParameters) => ResourceAccess[];
  handle: (context: RouteContext) => Promise<unknown>;
}
