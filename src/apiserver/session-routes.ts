// Conversations from the session store: an instance's sessions, a session's messages and a run's
// stored events (replay). Reading a conversation of an instance needs what reading the instance
// needs (`get clawinstances <name>`), and a run's events what reading the run needs (`get agentruns
// <name>`), so a tenant who may not see an object sees nothing stored about it. Without a database
// these routes answer 503, and a database that is down is a 503 at once.
import { agentRunKind, clawInstanceKind, group, version, type AgentRun } from '../api/index.ts';
import type { Page, Session, SessionMessage } from '../session/index.ts';
import { ApiError, apiErrorCodes } from './api-error.ts';
import { runEventListSchema, sessionListSchema, sessionMessageListSchema } from './api-schemas.ts';
import { parseListQuery } from './list-query.ts';
import { namespacePath } from './resource-routes.ts';
import { k8sclawResource } from './resource-access.ts';
import type { RouteContext, RouteDefinition, SessionReader } from './route-definition.ts';

const instancePath = `${namespacePath}/instances/{name}`;

function requireSessions(context: RouteContext): SessionReader {
  if (!context.sessions) {
    throw new ApiError(503, {
      code: apiErrorCodes.unavailable,
      message: 'sessions are not available: the API server runs without a database (DATABASE_URL)',
    });
  }
  return context.sessions;
}

function pageOptions(query: Record<string, string>): { limit: number; continue?: string } {
  const { limit, continueToken } = parseListQuery(query);
  return { limit, ...(continueToken !== undefined ? { continue: continueToken } : {}) };
}

const withContinue = (page: Page<unknown>) =>
  page.continue !== undefined ? { continue: page.continue } : {};

const presentSession = (session: Session) => ({
  sessionKey: session.sessionKey,
  createdAt: session.createdAt.toISOString(),
  updatedAt: session.updatedAt.toISOString(),
  usage: session.usage,
  runs: session.runs,
});

const presentMessage = (message: SessionMessage) => ({
  id: message.id,
  role: message.role,
  content: message.content,
  ...(message.run ? { run: message.run } : {}),
  ...(message.usage ? { usage: message.usage } : {}),
  createdAt: message.createdAt.toISOString(),
});

const readInstance = ({ namespace = '', name = '' }: Record<string, string>) => [
  k8sclawResource('get', clawInstanceKind.plural, namespace, name),
];

export const listSessionsRoute: RouteDefinition = {
  method: 'get',
  path: `${instancePath}/sessions`,
  operationId: 'listClawInstanceSessions',
  summary: "List an instance's sessions (conversations), by session key, a page at a time.",
  tag: 'sessions',
  paginated: true,
  response: { status: 200, description: 'A page of sessions.', schema: sessionListSchema },
  access: readInstance,
  handle: async (context) => {
    const sessions = requireSessions(context);
    const { namespace = '', name = '' } = context.params;
    const page = await sessions.listSessions(namespace, name, pageOptions(context.query));
    return { items: page.items.map(presentSession), ...withContinue(page) };
  },
};

export const listSessionMessagesRoute: RouteDefinition = {
  method: 'get',
  path: `${instancePath}/sessions/{sessionKey}/messages`,
  operationId: 'listSessionMessages',
  summary: "List a session's messages, oldest first, a page at a time (the session key URL-encoded).",
  tag: 'sessions',
  paginated: true,
  response: { status: 200, description: 'A page of messages.', schema: sessionMessageListSchema },
  access: readInstance,
  handle: async (context) => {
    const sessions = requireSessions(context);
    const { namespace = '', name = '', sessionKey = '' } = context.params;
    const page = await sessions.listMessages(
      { namespace, instance: name, sessionKey },
      pageOptions(context.query),
    );
    return { items: page.items.map(presentMessage), ...withContinue(page) };
  },
};

export const listRunEventsRoute: RouteDefinition = {
  method: 'get',
  path: `${namespacePath}/runs/{name}/events`,
  operationId: 'listAgentRunEvents',
  summary: "Replay a run's stored events in run order, a page at a time.",
  tag: 'runs',
  paginated: true,
  response: { status: 200, description: 'A page of the run’s events.', schema: runEventListSchema },
  access: ({ namespace = '', name }) => [k8sclawResource('get', agentRunKind.plural, namespace, name)],
  handle: async (context) => {
    const sessions = requireSessions(context);
    const options = pageOptions(context.query);
    // events are stored by run uid: the run of this name now, not an earlier one of the same name
    const run = (await context.kube.customObjects.getNamespacedCustomObject({
      group,
      version,
      plural: agentRunKind.plural,
      namespace: context.params.namespace ?? '',
      name: context.params.name ?? '',
    })) as AgentRun;
    const runUid = run.metadata.uid ?? '';
    const page = await sessions.pageRunEvents(runUid, options);
    return { runUid, items: page.items, ...withContinue(page) };
  },
};
