import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KubeApiError } from '../kube/index.ts';
import { SessionStoreError, sessionStoreErrorCodes } from '../session/index.ts';
import { ApiError, invalidRequest, toErrorResponse } from './api-error.ts';

const kube = (status: number, reason: string, message = `${reason} happened`) =>
  new KubeApiError(status, reason, message, undefined);

describe('error mapping', () => {
  it('answers an unreachable session store with 503 and a foreign continue token with 400', () => {
    const down = toErrorResponse(new SessionStoreError(sessionStoreErrorCodes.unavailable, 'ECONNREFUSED'));
    assert.equal(down.status, 503);
    assert.equal(down.body.code, 'Unavailable');
    assert.equal(down.body.message.includes('ECONNREFUSED'), false);
    const foreign = toErrorResponse(
      new SessionStoreError(
        sessionStoreErrorCodes.invalidContinue,
        'continue token belongs to another listing',
      ),
    );
    assert.equal(foreign.status, 400);
    assert.deepEqual(
      foreign.body.fields?.map((f) => f.field),
      ['continue'],
    );
    const failed = toErrorResponse(new SessionStoreError(sessionStoreErrorCodes.failed, 'relation missing'));
    assert.deepEqual([failed.status, failed.unexpected, failed.body.message], [500, true, 'internal error']);
  });

  it('answers an ApiError as it says', () => {
    const error = new ApiError(403, { code: 'Forbidden', message: 'no' });
    assert.deepEqual(toErrorResponse(error), {
      status: 403,
      body: { code: 'Forbidden', message: 'no' },
      unexpected: false,
    });
  });

  it('names every invalid field', () => {
    const { status, body } = toErrorResponse(
      invalidRequest([
        { field: 'spec.task', message: 'must NOT have fewer than 1 characters' },
        { field: 'spec.tsak', message: 'is not a known field' },
      ]),
    );
    assert.equal(status, 400);
    assert.deepEqual(
      body.fields?.map((f) => f.field),
      ['spec.task', 'spec.tsak'],
    );
    assert.match(body.message, /spec\.task: .*; spec\.tsak: is not a known field/);
  });

  const cases: [KubeApiError, number, string][] = [
    [kube(404, 'NotFound'), 404, 'NotFound'],
    [kube(409, 'AlreadyExists'), 409, 'AlreadyExists'],
    [kube(409, 'Conflict'), 409, 'Conflict'],
    [kube(422, 'Invalid', 'AgentRun "x" is invalid: spec.task: Required value'), 400, 'InvalidRequest'],
    [kube(410, 'Expired'), 410, 'Expired'],
    [kube(503, 'ServiceUnavailable'), 503, 'Unavailable'],
    [kube(429, 'TooManyRequests'), 503, 'Unavailable'],
  ];
  for (const [error, status, code] of cases) {
    it(`maps the apiserver's ${error.status} ${error.reason} to ${status} ${code}`, () => {
      const response = toErrorResponse(error);
      assert.equal(response.status, status);
      assert.equal(response.body.code, code);
    });
  }

  it("keeps the apiserver's validation message, which names the field", () => {
    const response = toErrorResponse(
      kube(422, 'Invalid', 'AgentRun "x" is invalid: spec.task: Required value'),
    );
    assert.match(response.body.message, /spec\.task: Required value/);
  });

  it("treats the API server's own missing rights as its fault, not the caller's", () => {
    const response = toErrorResponse(kube(403, 'Forbidden', 'system:serviceaccount:x:y cannot list'));
    assert.equal(response.status, 500);
    assert.equal(response.unexpected, true);
    assert.doesNotMatch(response.body.message, /serviceaccount/);
  });

  it('hides the message of an unexpected error', () => {
    const response = toErrorResponse(new Error('ECONNRESET at 10.0.0.1 with secret stuff'));
    assert.deepEqual(response, {
      status: 500,
      body: { code: 'InternalError', message: 'internal error' },
      unexpected: true,
    });
  });
});
