import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { agentRunKind, K8sClawError } from '../api/index.ts';
import { KubeApiError } from '../kube/index.ts';
import { explainKubeFailure, type KubeTarget } from './kube-failure.ts';

const target: KubeTarget = {
  verb: 'get',
  kind: agentRunKind,
  name: 'x',
  namespace: 'team-a',
  server: 'https://127.0.0.1:6443',
};
const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

describe('explainKubeFailure', () => {
  const cases: { name: string; error: unknown; target?: Partial<KubeTarget>; expected: string }[] = [
    {
      name: 'a missing object is named with its namespace',
      error: new KubeApiError(404, 'NotFound', 'agentruns.k8sclaw.io "x" not found', undefined),
      expected: 'agentrun "x" not found in namespace "team-a"',
    },
    {
      name: 'a 404 that names no object means the API is missing',
      error: new KubeApiError(404, 'NotFound', 'the server could not find the requested resource', undefined),
      expected:
        'the cluster does not serve agentruns: K8sClaw is not installed there (run "k8sclaw install")',
    },
    {
      name: 'forbidden in a namespace',
      error: new KubeApiError(
        403,
        'Forbidden',
        'agentruns.k8sclaw.io is forbidden: User "u" cannot list …',
        undefined,
      ),
      target: { verb: 'list', name: undefined },
      expected: 'permission denied: the current user cannot list agentruns in namespace "team-a"',
    },
    {
      name: 'forbidden across namespaces',
      error: new KubeApiError(403, 'Forbidden', 'forbidden', undefined),
      target: { verb: 'list', name: undefined, namespace: undefined },
      expected: 'permission denied: the current user cannot list agentruns in any namespace',
    },
    {
      name: 'a network failure names the server and the innermost cause',
      error: new TypeError('fetch failed', { cause: new Error('connect ECONNREFUSED 127.0.0.1:6443') }),
      expected:
        'cannot reach the Kubernetes API at https://127.0.0.1:6443: fetch failed: connect ECONNREFUSED 127.0.0.1:6443',
    },
    {
      name: 'our own errors pass through',
      error: new K8sClawError('kube.NoConfig', 'no Kubernetes configuration found'),
      expected: 'no Kubernetes configuration found',
    },
    {
      name: 'other API errors keep the API server message',
      error: new KubeApiError(
        422,
        'Invalid',
        'AgentRun.k8sclaw.io "x" is invalid: spec.task: Required value',
        undefined,
      ),
      expected: 'AgentRun.k8sclaw.io "x" is invalid: spec.task: Required value',
    },
  ];
  for (const c of cases)
    it(c.name, () => {
      const overridden = { ...target, ...c.target } as KubeTarget;
      for (const key of Object.keys(c.target ?? {}) as (keyof KubeTarget)[])
        if (c.target?.[key] === undefined) delete overridden[key];
      assert.equal(message(explainKubeFailure(c.error, overridden)), c.expected);
    });
});
