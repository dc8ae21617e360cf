// The shared object fixtures are objects the apiserver would accept.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findKind, validateObject } from '../../src/api/index.ts';
import { instanceFixture, policyFixture, runFixture, skillPackFixture } from '../fixtures/k8sclaw-objects.ts';

describe('object fixtures', () => {
  for (const object of [instanceFixture(), runFixture(), policyFixture(), skillPackFixture()]) {
    it(`${object.kind} fixture is a valid object`, () => {
      const kind = findKind(object.kind);
      assert.ok(kind);
      assert.deepEqual(validateObject(kind, object), []);
    });
  }
});
