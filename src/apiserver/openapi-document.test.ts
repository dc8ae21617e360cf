import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildOpenApiDocument } from './openapi-document.ts';
import { apiRoutes } from './routes.ts';

describe('OpenAPI document', () => {
  const document = buildOpenApiDocument(apiRoutes, '1.2.3');

  it('lists every route with its operation id, once', () => {
    const operations = Object.entries(document.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, operation]) => ({
        route: `${method} ${path}`,
        operationId: (operation as { operationId: string }).operationId,
      })),
    );
    assert.deepEqual(
      operations.map((o) => o.route).sort(),
      apiRoutes.map((r) => `${r.method} ${r.path}`).sort(),
    );
    assert.equal(new Set(operations.map((o) => o.operationId)).size, apiRoutes.length);
  });

  it("carries the run's spec schema from src/api as the creation body", () => {
    const create = document.paths['/api/v1/namespaces/{namespace}/runs']?.post as {
      requestBody: {
        content: { 'application/json': { schema: { properties: { spec: { required: string[] } } } } };
      };
    };
    assert.deepEqual(create.requestBody.content['application/json'].schema.properties.spec.required.sort(), [
      'instanceRef',
      'task',
    ]);
  });

  it('is plain JSON', () => {
    assert.deepEqual(JSON.parse(JSON.stringify(document)), document);
  });

  it('documents the messages endpoint with its wait parameter and both of its answers', () => {
    const send = document.paths['/api/v1/namespaces/{namespace}/instances/{name}/messages']?.post as {
      parameters: { name: string; in: string; schema: { maximum?: number } }[];
      responses: Record<string, unknown>;
      requestBody: { content: { 'application/json': { schema: { required: string[] } } } };
    };
    assert.ok(send);
    const wait = send.parameters.find((parameter) => parameter.name === 'wait');
    assert.equal(wait?.in, 'query');
    assert.equal(wait.schema.maximum, 300);
    assert.ok(send.responses['200'] && send.responses['202']);
    assert.deepEqual(send.requestBody.content['application/json'].schema.required.sort(), [
      'sessionKey',
      'text',
    ]);
  });
});
