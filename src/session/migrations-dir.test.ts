import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { defaultMigrationsDir } from './migrations-dir.ts';

describe('defaultMigrationsDir', () => {
  it('finds migrations/ at the package root from source', () => {
    const dir = defaultMigrationsDir();
    assert.equal(path.basename(dir), 'migrations');
    assert.ok(existsSync(path.join(dir, '0001_sessions.sql')));
  });

  it('finds the same place from the built module', () => {
    assert.equal(defaultMigrationsDir('file:///app/dist/src/session/migrations-dir.js'), '/app/migrations/');
    assert.equal(defaultMigrationsDir('file:///repo/src/session/migrations-dir.ts'), '/repo/migrations/');
  });
});
