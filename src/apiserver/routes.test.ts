import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ResourceAccess } from './resource-access.ts';
import { apiRoutes } from './routes.ts';

const ns = 'team-a';
const k8s = (verb: string, resource: string, name?: string): ResourceAccess =>
  ({ verb, group: 'k8sclaw.io', resource, namespace: ns, ...(name ? { name } : {}) }) as ResourceAccess;

// what kubectl would need for the same action, route by route
const expected: [string, ResourceAccess[]][] = [
  ['GET /api/v1/namespaces/{namespace}/runs', [k8s('list', 'agentruns')]],
  ['POST /api/v1/namespaces/{namespace}/runs', [k8s('create', 'agentruns')]],
  ['GET /api/v1/namespaces/{namespace}/runs/{name}', [k8s('get', 'agentruns', 'r1')]],
  ['DELETE /api/v1/namespaces/{namespace}/runs/{name}', [k8s('delete', 'agentruns', 'r1')]],
  ['POST /api/v1/namespaces/{namespace}/runs/{name}/cancel', [k8s('patch', 'agentruns', 'r1')]],
  ['GET /api/v1/namespaces/{namespace}/instances', [k8s('list', 'clawinstances')]],
  ['GET /api/v1/namespaces/{namespace}/instances/{name}', [k8s('get', 'clawinstances', 'r1')]],
  [
    'GET /api/v1/namespaces/{namespace}/instances/{name}/memory',
    [
      k8s('get', 'clawinstances', 'r1'),
      { verb: 'get', group: '', resource: 'configmaps', namespace: ns, name: 'r1-memory' },
    ],
  ],
  ['GET /api/v1/namespaces/{namespace}/runs/{name}/events', [k8s('get', 'agentruns', 'r1')]],
  ['GET /api/v1/namespaces/{namespace}/runs/{name}/events/watch', [k8s('get', 'agentruns', 'r1')]],
  ['GET /api/v1/namespaces/{namespace}/instances/{name}/sessions', [k8s('get', 'clawinstances', 'r1')]],
  [
    'GET /api/v1/namespaces/{namespace}/instances/{name}/sessions/{sessionKey}/messages',
    [k8s('get', 'clawinstances', 'r1')],
  ],
  // a message becomes an AgentRun: what creating that run directly would need
  ['POST /api/v1/namespaces/{namespace}/instances/{name}/messages', [k8s('create', 'agentruns')]],
  [
    'GET /api/v1/namespaces/{namespace}/instances/{name}/sessions/{sessionKey}/events/watch',
    [k8s('get', 'clawinstances', 'r1')],
  ],
  ['GET /api/v1/namespaces/{namespace}/schedules', [k8s('list', 'clawschedules')]],
  ['GET /api/v1/namespaces/{namespace}/schedules/{name}', [k8s('get', 'clawschedules', 'r1')]],
  ['GET /api/v1/namespaces/{namespace}/policies', [k8s('list', 'clawpolicies')]],
  ['GET /api/v1/namespaces/{namespace}/policies/{name}', [k8s('get', 'clawpolicies', 'r1')]],
  ['GET /api/v1/namespaces/{namespace}/skillpacks', [k8s('list', 'skillpacks')]],
  ['GET /api/v1/namespaces/{namespace}/skillpacks/{name}', [k8s('get', 'skillpacks', 'r1')]],
];

describe('route access (SubjectAccessReview attributes)', () => {
  it('covers every route exactly once', () => {
    assert.deepEqual(
      apiRoutes.map((r) => `${r.method.toUpperCase()} ${r.path}`).sort(),
      expected.map(([route]) => route).sort(),
    );
  });

  for (const [route, access] of expected) {
    it(`${route} needs ${access.map((a) => `${a.verb} ${a.resource}`).join(' and ')}`, () => {
      const definition = apiRoutes.find((r) => `${r.method.toUpperCase()} ${r.path}` === route);
      assert.ok(definition);
      assert.deepEqual(definition.access({ namespace: ns, name: 'r1' }), access);
    });
  }

  it('scopes every check to the namespace of the path', () => {
    for (const route of apiRoutes) {
      for (const access of route.access({ namespace: 'team-b', name: 'x' })) {
        assert.equal(access.namespace, 'team-b', route.operationId);
      }
    }
  });
});
