import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApiError } from './api-error.ts';
import { defaultListLimit, parseListQuery, toListPage } from './list-query.ts';

const fieldsOf = (action: () => unknown): string[] => {
  try {
    action();
  } catch (error) {
    assert.ok(error instanceof ApiError);
    assert.equal(error.status, 400);
    return (error.body.fields ?? []).map((f) => f.field);
  }
  assert.fail('expected a 400');
};

describe('list pagination', () => {
  it('defaults the page size', () => {
    assert.deepEqual(parseListQuery({}), { limit: defaultListLimit });
  });

  it('passes the continue token through untouched', () => {
    assert.deepEqual(parseListQuery({ limit: '2', continue: 'eyJ2IjoibWV0YS5rOHMuaW8vdjEifQ==' }), {
      limit: 2,
      continueToken: 'eyJ2IjoibWV0YS5rOHMuaW8vdjEifQ==',
    });
  });

  for (const limit of ['0', '501', '-1', '2.5', 'ten', '', '1e2']) {
    it(`refuses limit=${JSON.stringify(limit)}, naming it`, () => {
      assert.deepEqual(
        fieldsOf(() => parseListQuery({ limit })),
        ['limit'],
      );
    });
  }

  it('refuses an empty continue token and unknown parameters by name', () => {
    assert.deepEqual(
      fieldsOf(() => parseListQuery({ continue: '' })),
      ['continue'],
    );
    assert.deepEqual(
      fieldsOf(() => parseListQuery({ limit: '5', labelSelector: 'a=b', page: '2' })),
      ['labelSelector', 'page'],
    );
  });

  it("turns the apiserver's list metadata into the page's continue and count", () => {
    const page = toListPage(
      { items: [1, 2], metadata: { continue: 'next', remainingItemCount: 3 } },
      (n: number) => n * 10,
    );
    assert.deepEqual(page, { items: [10, 20], continue: 'next', remainingItemCount: 3 });
    assert.deepEqual(
      toListPage({ items: [], metadata: { continue: '' } }, (n: number) => n),
      { items: [] },
    );
  });
});
