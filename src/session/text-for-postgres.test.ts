import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { toPostgresJson, toPostgresText } from './text-for-postgres.ts';

describe('text for PostgreSQL', () => {
  it('replaces U+0000, which text and jsonb refuse, and keeps everything else', () => {
    assert.equal(toPostgresText('a\u0000b\u0000'), 'a\uFFFDb\uFFFD');
    assert.equal(toPostgresText('plain ✓'), 'plain ✓');
  });

  it('replaces U+0000 in every string of a JSON value, keys and nesting included', () => {
    const json = toPostgresJson({ 'k\u0000': ['x\u0000', { n: 1, s: '\u0000' }], ok: true });
    assert.doesNotMatch(json, /\\u0000/);
    assert.deepEqual(JSON.parse(json), { 'k\uFFFD': ['x\uFFFD', { n: 1, s: '\uFFFD' }], ok: true });
  });
});
