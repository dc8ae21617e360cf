// POST /api/v1/namespaces/{namespace}/instances/{name}/messages: a message into a session becomes an
// AgentRun of the instance with the session key and the text as its task (its pod then gets the
// session's earlier turns, see run-history-responder). Allowed to whoever may create agentruns in
// the namespace, as creating the run directly would need. Answers 202 with the run's reference at
// once, or with `?wait=<seconds>` (at most 300) 200 with the reply once the run is recorded in the
// session, and still 202 when the wait runs out first.
import type { Static } from '@sinclair/typebox';
import {
  agentRunKind,
  annotations,
  apiVersion,
  fieldManagers,
  group,
  version,
  type AgentRun,
} from '../api/index.ts';
import { ApiError, apiErrorCodes, invalidRequest } from './api-error.ts';
import {
  maxWaitSeconds,
  messageAcceptedSchema,
  messageReplySchema,
  sendMessageBodySchema,
  waitParameterSchema,
} from './message-schemas.ts';
import { namespacePath } from './resource-routes.ts';
import { k8sclawResource } from './resource-access.ts';
import { RouteReply, type RouteDefinition } from './route-definition.ts';
import { waitForReply } from './wait-for-reply.ts';

type SendMessageBody = Static<typeof sendMessageBodySchema>;

/** The AgentRun a message becomes (pure): named after the instance, recording who sent it. */
export function buildRunForMessage(
  body: SendMessageBody,
  namespace: string,
  instance: string,
  requestedBy: string,
): AgentRun {
  return {
    apiVersion,
    kind: 'AgentRun',
    metadata: {
      generateName: `${instance.slice(0, 56)}-`,
      namespace,
      annotations: { [annotations.requestedBy]: requestedBy },
      // the apiserver names it from generateName
    } as unknown as AgentRun['metadata'],
    spec: { instanceRef: instance, sessionKey: body.sessionKey, task: body.text },
  };
}

/** `wait` in seconds (0–300), or undefined when absent; anything else is a 400 naming it. */
export function parseWaitSeconds(query: Record<string, string>): number | undefined {
  const text = query.wait;
  if (text === undefined) return undefined;
  const seconds = /^\d{1,3}$/.test(text) ? Number(text) : Number.NaN;
  if (!(seconds >= 0 && seconds <= maxWaitSeconds)) {
    throw invalidRequest([{ field: 'wait', message: `must be whole seconds from 0 to ${maxWaitSeconds}` }]);
  }
  return seconds;
}

export const sendMessageRoute: RouteDefinition = {
  method: 'post',
  path: `${namespacePath}/instances/{name}/messages`,
  operationId: 'sendClawInstanceMessage',
  summary: "Send a message into one of an instance's sessions: it becomes an AgentRun that sees the session.",
  tag: 'sessions',
  queryParameters: [
    {
      name: 'wait',
      description: `Seconds (at most ${maxWaitSeconds}) to wait for the reply before answering 202.`,
      schema: waitParameterSchema,
    },
  ],
  requestBody: sendMessageBodySchema,
  response: {
    status: 202,
    description: 'The run the message became; with `wait`, the wait ran out before its reply.',
    schema: messageAcceptedSchema,
  },
  otherResponses: [
    {
      status: 200,
      description: 'With `wait`: the run finished and its reply is stored in the session.',
      schema: messageReplySchema,
    },
  ],
  access: ({ namespace = '' }) => [k8sclawResource('create', agentRunKind.plural, namespace)],
  handle: async ({ kube, params, body, caller, query, sessions, signal }) => {
    const waitSeconds = parseWaitSeconds(query);
    if (waitSeconds !== undefined && !sessions) {
      throw new ApiError(503, {
        code: apiErrorCodes.unavailable,
        message: 'waiting for a reply needs the session store: the API server runs without a database',
      });
    }
    const namespace = params.namespace ?? '';
    const instance = params.name ?? '';
    const message = body as SendMessageBody;
    const created = (await kube.customObjects.createNamespacedCustomObject({
      group,
      version,
      plural: agentRunKind.plural,
      namespace,
      body: buildRunForMessage(message, namespace, instance, caller.username),
      fieldManager: fieldManagers.apiServer,
      fieldValidation: 'Strict',
    })) as AgentRun;
    const run = { namespace, name: created.metadata.name, uid: created.metadata.uid ?? '' };
    const reference = { run, instance, sessionKey: message.sessionKey };
    if (!waitSeconds || !sessions) return { ...reference, status: 'Accepted' };
    const outcome = await waitForReply({
      sessions,
      kube,
      session: { namespace, instance, sessionKey: message.sessionKey },
      run,
      waitMs: waitSeconds * 1000,
      signal,
    });
    return outcome ? new RouteReply(200, { ...reference, ...outcome }) : { ...reference, status: 'Accepted' };
  },
};
