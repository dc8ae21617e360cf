import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApiException } from '@kubernetes/client-node';
import { undefinedIfNotFound } from './kube-error.ts';

const apiError = (code: number, reason: string) =>
  new ApiException(code, reason, JSON.stringify({ kind: 'Status', reason, message: reason }), {});

describe('undefinedIfNotFound', () => {
  it('passes a found object through', async () => {
    assert.deepEqual(await undefinedIfNotFound(Promise.resolve({ name: 'x' })), { name: 'x' });
  });

  it('turns a 404 into undefined', async () => {
    assert.equal(await undefinedIfNotFound(Promise.reject(apiError(404, 'NotFound'))), undefined);
  });

  it('throws every other failure', async () => {
    await assert.rejects(undefinedIfNotFound(Promise.reject(apiError(403, 'Forbidden'))), { code: 403 });
    await assert.rejects(undefinedIfNotFound(Promise.reject(new Error('socket hang up'))), /socket hang up/);
  });
});
