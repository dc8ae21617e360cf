import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  describeFsError,
  openConfinedForRead,
  openConfinedForWrite,
  PathError,
  resolveToolPath,
} from './paths.ts';
import { makeTestRoots, type TestRoots } from './testdata/roots.ts';

let roots: TestRoots;
before(async () => {
  roots = await makeTestRoots();
  await writeFile(path.join(roots.workspace, 'notes.txt'), 'hello');
  await writeFile(path.join(roots.outside, 'secret.txt'), 'top secret');
  await writeFile(path.join(roots.skills, 'SKILL.md'), '# skill');
  await symlink(path.join(roots.outside, 'secret.txt'), path.join(roots.workspace, 'secret-link'));
  await symlink(roots.outside, path.join(roots.workspace, 'outside-dir'));
  await symlink(path.join(roots.workspace, 'notes.txt'), path.join(roots.workspace, 'notes-link'));
  await symlink(path.join(roots.skills, 'SKILL.md'), path.join(roots.workspace, 'skill-link'));
  await symlink(path.join(roots.outside, 'not-there.txt'), path.join(roots.workspace, 'dangling'));
});
after(() => roots.remove());

const rejects = async (input: string, access: 'read' | 'write', pattern: RegExp) => {
  await assert.rejects(resolveToolPath(roots.policy, input, access), (error: unknown) => {
    assert.ok(error instanceof PathError, `a PathError, got ${String(error)}`);
    assert.match(error.message, pattern);
    return true;
  });
};

describe('resolveToolPath', () => {
  it('resolves relative paths against the workspace', async () => {
    const resolved = await resolveToolPath(roots.policy, 'notes.txt', 'read');
    assert.equal(resolved.realPath, path.join(roots.workspace, 'notes.txt'));
    assert.equal(resolved.display, path.join(roots.workspace, 'notes.txt'));
    assert.equal(resolved.exists, true);
    assert.equal(resolved.root.path, roots.workspace);
  });

  it('rejects .. escapes and says where the path led', async () => {
    await rejects(
      '../outside/secret.txt',
      'read',
      /outside\/secret\.txt\) is outside the directories you may access/,
    );
    await rejects('sub/../../../etc/passwd', 'read', /is outside the directories you may access/);
    await rejects(`${roots.workspace}/../outside/secret.txt`, 'read', /is outside/);
  });

  it('rejects absolute paths outside every root and names the roots', async () => {
    await rejects(
      '/etc/passwd',
      'read',
      new RegExp(
        `/etc/passwd is outside the directories you may access: ${roots.workspace} \\(read-write\\)`,
      ),
    );
    await rejects(path.join(roots.outside, 'secret.txt'), 'read', /is outside/);
  });

  it('allows a .. that stays inside another root', async () => {
    const resolved = await resolveToolPath(roots.policy, '../tmp/x.txt', 'write');
    assert.equal(resolved.realPath, path.join(roots.tmp, 'x.txt'));
    assert.equal(resolved.exists, false);
  });

  it('rejects a symbolic link to a file outside', async () => {
    await rejects(
      'secret-link',
      'read',
      /leads through a symbolic link to .*outside\/secret\.txt, which is outside/,
    );
    await rejects('secret-link', 'write', /outside/);
  });

  it('rejects a path through a symbolic link to a directory outside, for reading and for new files', async () => {
    await rejects('outside-dir/secret.txt', 'read', /outside/);
    await rejects('outside-dir/new.txt', 'write', /outside/);
    await rejects('outside-dir/deeper/new.txt', 'write', /outside/);
  });

  it('rejects a dangling symbolic link instead of writing to its target', async () => {
    await rejects('dangling', 'write', /symbolic link to a missing target/);
    assert.ok(!existsSync(path.join(roots.outside, 'not-there.txt')));
  });

  it('follows symbolic links that stay inside the roots', async () => {
    const resolved = await resolveToolPath(roots.policy, 'notes-link', 'read');
    assert.equal(resolved.realPath, path.join(roots.workspace, 'notes.txt'));
  });

  it('refuses writes to a read-only root, also through a link into it', async () => {
    await rejects(path.join(roots.skills, 'SKILL.md'), 'write', /is in .*skills, which is read-only/);
    await rejects(path.join(roots.skills, 'new.md'), 'write', /read-only/);
    await rejects('skill-link', 'write', /read-only/);
    const readable = await resolveToolPath(roots.policy, path.join(roots.skills, 'SKILL.md'), 'read');
    assert.equal(readable.root.writable, false);
  });

  it('says a path under a root that is not there does not exist', async () => {
    const policy = {
      ...roots.policy,
      roots: [...roots.policy.roots, { path: path.join(roots.base, 'memory'), writable: false }],
    };
    await assert.rejects(
      resolveToolPath(policy, path.join(roots.base, 'memory', 'MEMORY.md'), 'read'),
      /MEMORY\.md does not exist$/,
    );
  });

  it('rejects empty paths, NUL bytes and paths under a file', async () => {
    await rejects('', 'read', /empty/);
    await rejects('a\0b', 'read', /NUL/);
    await rejects('notes.txt/below', 'write', /not a directory/);
  });
});

describe('opening confined files', () => {
  it('creates missing parent directories for a new file', async () => {
    const resolved = await resolveToolPath(roots.policy, 'new/deep/dir/file.txt', 'write');
    const { handle, created } = await openConfinedForWrite(roots.policy, resolved);
    await handle.writeFile('x');
    await handle.close();
    assert.equal(created, true);
    assert.equal(await readFile(path.join(roots.workspace, 'new/deep/dir/file.txt'), 'utf8'), 'x');
  });

  it('notices a directory swapped for a symbolic link after the check (read)', async () => {
    const sub = path.join(roots.workspace, 'swap-read');
    await mkdir(sub);
    await writeFile(path.join(sub, 'secret.txt'), 'harmless');
    const resolved = await resolveToolPath(roots.policy, 'swap-read/secret.txt', 'read');
    await rename(sub, `${sub}-old`);
    await symlink(roots.outside, sub);
    await assert.rejects(openConfinedForRead(roots.policy, resolved), /changed while it was being opened/);
  });

  it('notices a parent swapped for a symbolic link after the check (write)', async () => {
    const sub = path.join(roots.workspace, 'swap-write');
    await mkdir(sub);
    const resolved = await resolveToolPath(roots.policy, 'swap-write/planted.txt', 'write');
    await rename(sub, `${sub}-old`);
    await symlink(roots.outside, sub);
    await assert.rejects(openConfinedForWrite(roots.policy, resolved), /symbolic link/);
    assert.ok(!existsSync(path.join(roots.outside, 'planted.txt')), 'nothing was written outside');
  });

  it('does not follow a file swapped for a symbolic link after the check', async () => {
    const file = path.join(roots.workspace, 'swap-file.txt');
    await writeFile(file, 'mine');
    const resolved = await resolveToolPath(roots.policy, 'swap-file.txt', 'write');
    await rename(file, `${file}.old`);
    await symlink(path.join(roots.outside, 'secret.txt'), file);
    const error = await openConfinedForWrite(roots.policy, resolved).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.match(describeFsError(error, resolved.display), /is a symbolic link, which is not followed/);
    assert.equal(await readFile(path.join(roots.outside, 'secret.txt'), 'utf8'), 'top secret');
  });

  it('refuses a FIFO instead of hanging on it', async () => {
    const fifo = path.join(roots.workspace, 'pipe');
    execFileSync('mkfifo', [fifo]);
    const resolved = await resolveToolPath(roots.policy, 'pipe', 'read');
    await assert.rejects(openConfinedForRead(roots.policy, resolved), /not a regular file/);
  });
});
