// The OpenAPI 3.1 document of the HTTP API, generated from the route definitions and their TypeBox
// schemas (JSON Schema 2020-12 is OpenAPI 3.1's schema dialect). Pure: served at
// /api/v1/openapi.json.
import { toOpenApiSchema } from '../api/index.ts';
import { errorSchema } from './api-schemas.ts';
import { defaultListLimit, maxListLimit } from './list-query.ts';
import type { RouteDefinition } from './route-definition.ts';

export const openApiPath = '/api/v1/openapi.json';

const errorResponse = (description: string) => ({
  description,
  content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
});

function pathParameters(path: string) {
  return [...path.matchAll(/\{([^}]+)\}/g)].map((match) => ({
    name: match[1],
    in: 'path',
    required: true,
    schema: { type: 'string' },
  }));
}

const listParameters = [
  {
    name: 'limit',
    in: 'query',
    required: false,
    schema: { type: 'integer', minimum: 1, maximum: maxListLimit, default: defaultListLimit },
  },
  {
    name: 'continue',
    in: 'query',
    required: false,
    description: 'The `continue` of the previous page.',
    schema: { type: 'string' },
  },
];

function buildOperation(route: RouteDefinition) {
  return {
    operationId: route.operationId,
    summary: route.summary,
    ...(route.websocket
      ? {
          description: route.websocket.description,
          'x-k8sclaw-websocket': {
            subprotocol: route.websocket.subprotocol,
            message: toOpenApiSchema(route.response.schema),
          },
        }
      : {}),
    tags: [route.tag],
    'x-k8sclaw-access': route
      .access(Object.fromEntries(pathParameters(route.path).map((p) => [p.name, `{${p.name}}`])))
      .map(({ verb, group, resource }) => ({ verb, group, resource })),
    parameters: [
      ...pathParameters(route.path),
      ...(route.paginated ? listParameters : []),
      ...(route.queryParameters ?? []).map(({ name, description, schema }) => ({
        name,
        in: 'query',
        required: false,
        description,
        schema: toOpenApiSchema(schema),
      })),
    ],
    ...(route.requestBody
      ? {
          requestBody: {
            required: true,
            content: { 'application/json': { schema: toOpenApiSchema(route.requestBody) } },
          },
        }
      : {}),
    responses: {
      ...Object.fromEntries(
        [route.response, ...(route.otherResponses ?? [])].map(({ status, description, schema }) => [
          String(status),
          route.websocket
            ? { description }
            : { description, content: { 'application/json': { schema: toOpenApiSchema(schema) } } },
        ]),
      ),
      '400': errorResponse('Invalid request: malformed JSON, unknown or invalid fields (named).'),
      '401': errorResponse('No bearer token, or one the cluster does not accept.'),
      '403': errorResponse('The caller may not do this in this namespace.'),
      ...(route.path.includes('{name}') ? { '404': errorResponse('Not found.') } : {}),
      '503': errorResponse('The Kubernetes API is unavailable.'),
    },
  };
}

export function buildOpenApiDocument(routes: readonly RouteDefinition[], serverVersion: string) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    paths[route.path] = { ...paths[route.path], [route.method]: buildOperation(route) };
  }
  return {
    openapi: '3.1.0',
    info: { title: 'K8sClaw API', version: serverVersion },
    components: {
      securitySchemes: {
        bearer: {
          type: 'http',
          scheme: 'bearer',
          description: 'A Kubernetes bearer token (e.g. a ServiceAccount token), checked with TokenReview.',
        },
      },
      schemas: { Error: toOpenApiSchema(errorSchema) },
    },
    security: [{ bearer: [] }],
    paths,
  };
}
