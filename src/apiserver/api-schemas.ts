// The TypeBox schemas of the HTTP API's bodies: requests are checked against them and the OpenAPI
// document is built from them. Resource shapes reuse the kinds' schemas from src/api.
import { Type, type TSchema } from '@sinclair/typebox';
import {
  agentRunKind,
  agentRunSpecSchema,
  apiVersion,
  runEventSchema,
  type KindDescriptor,
} from '../api/index.ts';
import { dnsSubdomain, stringEnum, stringMap } from '../api/schema-kit.ts';
import { apiErrorCodes } from './api-error.ts';

const objectMeta = Type.Object(
  {
    name: Type.String(),
    namespace: Type.String(),
    uid: Type.Optional(Type.String()),
    resourceVersion: Type.Optional(Type.String()),
    creationTimestamp: Type.Optional(Type.String({ format: 'date-time' })),
    labels: Type.Optional(stringMap(Type.String())),
    annotations: Type.Optional(stringMap(Type.String())),
  },
  { description: 'Kubernetes object metadata (managedFields left out).' },
);

export function resourceSchema(kind: KindDescriptor): TSchema {
  return Type.Object(
    {
      apiVersion: Type.String(),
      kind: Type.String(),
      metadata: objectMeta,
      spec: kind.spec,
      status: Type.Optional(kind.status),
    },
    { title: kind.kind, description: kind.description },
  );
}

export function listSchema(kind: KindDescriptor): TSchema {
  return Type.Object(
    {
      items: Type.Array(resourceSchema(kind)),
      continue: Type.Optional(
        Type.String({ description: 'Present when more items follow: pass it as `continue`.' }),
      ),
      remainingItemCount: Type.Optional(Type.Integer({ minimum: 0 })),
    },
    { title: `${kind.kind}List` },
  );
}

export const errorSchema = Type.Object(
  {
    code: stringEnum(Object.values(apiErrorCodes)),
    message: Type.String(),
    fields: Type.Optional(
      Type.Array(Type.Object({ field: Type.String(), message: Type.String() }), {
        description: 'For InvalidRequest: each offending field by dotted path.',
      }),
    ),
  },
  { title: 'Error' },
);

/** The names a run may be given: a DNS subdomain the CRD accepts (its Job label caps it at 63). */
const runName = () => dnsSubdomain({ maxLength: 63 });

export const createRunBodySchema = Type.Object(
  {
    apiVersion: Type.Optional(stringEnum([apiVersion])),
    kind: Type.Optional(stringEnum([agentRunKind.kind])),
    metadata: Type.Optional(
      Type.Object({
        name: Type.Optional(runName()),
        generateName: Type.Optional(
          Type.String({ minLength: 1, maxLength: 57, pattern: '^[a-z0-9]([-a-z0-9.]*[-a-z0-9.])?$' }),
        ),
        labels: Type.Optional(stringMap(Type.String({ maxLength: 63 }))),
        annotations: Type.Optional(stringMap(Type.String({ maxLength: 65536 }))),
      }),
    ),
    spec: agentRunSpecSchema,
  },
  {
    title: 'CreateRun',
    description:
      'An AgentRun to create in the path namespace. Without metadata.name the name is generated from the instance name.',
  },
);

export const deletedSchema = Type.Object(
  { namespace: Type.String(), name: Type.String(), deleted: Type.Boolean() },
  { title: 'Deleted' },
);

export const memorySchema = Type.Object(
  {
    instance: Type.String(),
    configMapName: Type.String(),
    content: Type.String({ description: "The instance's MEMORY.md." }),
    resourceVersion: Type.Optional(Type.String()),
  },
  { title: 'InstanceMemory' },
);

const usageSchema = Type.Object({
  input: Type.Integer({ minimum: 0 }),
  output: Type.Integer({ minimum: 0 }),
});
const continueField = Type.Optional(
  Type.String({ description: 'Present when more items follow: pass it as `continue`.' }),
);

export const sessionSchema = Type.Object(
  {
    sessionKey: Type.String(),
    createdAt: Type.String({ format: 'date-time' }),
    updatedAt: Type.String({ format: 'date-time' }),
    usage: usageSchema,
    runs: Type.Integer({ minimum: 0, description: 'Runs recorded for this session.' }),
  },
  { title: 'Session' },
);

export const sessionListSchema = Type.Object(
  { items: Type.Array(sessionSchema), continue: continueField },
  { title: 'SessionList' },
);

export const sessionMessageSchema = Type.Object(
  {
    id: Type.String({ description: 'Increases with every message stored.' }),
    role: stringEnum(['user', 'assistant'] as const),
    content: Type.String(),
    run: Type.Optional(Type.Object({ name: Type.String(), uid: Type.String() })),
    usage: Type.Optional(usageSchema),
    createdAt: Type.String({ format: 'date-time' }),
  },
  { title: 'SessionMessage' },
);

export const sessionMessageListSchema = Type.Object(
  { items: Type.Array(sessionMessageSchema), continue: continueField },
  { title: 'SessionMessageList' },
);

export const runEventListSchema = Type.Object(
  {
    runUid: Type.String(),
    items: Type.Array(runEventSchema, { description: 'The stored events of the run, in run order.' }),
    continue: continueField,
  },
  { title: 'RunEventList' },
);
