import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InstanceAdmissions } from './instance-admissions.ts';

describe('InstanceAdmissions', () => {
  it('counts reserved Jobs until the cache shows them, except the deciding run', () => {
    const admissions = new InstanceAdmissions({ now: () => 0, forgetAfterMs: 1_000 });
    const cached = new Set<string>();
    admissions.reserve('ns/a', 'job-1');
    admissions.reserve('ns/a', 'job-2');
    admissions.reserve('ns/a', 'job-2');
    assert.equal(
      admissions.unseen('ns/a', (j) => cached.has(j)),
      2,
    );
    assert.equal(
      admissions.unseen('ns/a', (j) => cached.has(j), 'job-2'),
      1,
    );
    assert.equal(
      admissions.unseen('ns/b', (j) => cached.has(j)),
      0,
    );
    cached.add('job-1');
    assert.equal(
      admissions.unseen('ns/a', (j) => cached.has(j)),
      1,
    );
    cached.delete('job-1');
    // once seen it is the cache's to count, even if it later leaves the cache
    assert.equal(
      admissions.unseen('ns/a', (j) => cached.has(j)),
      1,
    );
  });

  it('frees the slot of a Job that could not be created', () => {
    const admissions = new InstanceAdmissions();
    admissions.reserve('ns/a', 'job-1');
    admissions.reserve('ns/a', 'job-2');
    admissions.release('ns/a', 'job-1');
    assert.equal(
      admissions.unseen('ns/a', () => false),
      1,
    );
    admissions.release('ns/a', 'job-2');
    assert.equal(
      admissions.unseen('ns/a', () => false),
      0,
    );
  });

  it('forgets a reserved Job the cache never shows', () => {
    let now = 0;
    const admissions = new InstanceAdmissions({ now: () => now, forgetAfterMs: 1_000 });
    admissions.reserve('ns/a', 'job-1');
    now = 999;
    assert.equal(
      admissions.unseen('ns/a', () => false),
      1,
    );
    now = 1_000;
    assert.equal(
      admissions.unseen('ns/a', () => false),
      0,
    );
  });
});
