// The bodies of the messages endpoint: a message into a session, the run it became, and the reply.
import { Type } from '@sinclair/typebox';
import { sessionKey, taskMaxLength } from '../api/index.ts';
import { stringEnum } from '../api/schema-kit.ts';

/** The most seconds `?wait=` holds a request open. */
export const maxWaitSeconds = 300;

export const sendMessageBodySchema = Type.Object(
  {
    sessionKey: sessionKey(),
    text: Type.String({
      minLength: 1,
      maxLength: taskMaxLength,
      description: 'The message: the run’s task.',
    }),
  },
  {
    title: 'SendMessage',
    description:
      "A message into one of the instance's sessions (created by its first message). It becomes an AgentRun whose task is the text and which sees the session's earlier turns.",
  },
);

const runReference = Type.Object(
  { namespace: Type.String(), name: Type.String(), uid: Type.String() },
  { description: 'The AgentRun the message became.' },
);

export const messageAcceptedSchema = Type.Object(
  {
    run: runReference,
    instance: Type.String(),
    sessionKey: Type.String(),
    status: stringEnum(['Accepted'] as const),
  },
  { title: 'MessageAccepted' },
);

export const messageReplySchema = Type.Object(
  {
    run: runReference,
    instance: Type.String(),
    sessionKey: Type.String(),
    status: stringEnum(['succeeded', 'failed'] as const),
    reply: Type.Optional(Type.String({ description: 'The agent’s reply, as stored in the session.' })),
    error: Type.Optional(Type.String()),
    usage: Type.Optional(
      Type.Object({ input: Type.Integer({ minimum: 0 }), output: Type.Integer({ minimum: 0 }) }),
    ),
  },
  { title: 'MessageReply' },
);

export const waitParameterSchema = Type.Integer({ minimum: 0, maximum: maxWaitSeconds });
