// The controller's bundle as hack/build-controller.ts builds it (what the k8sclaw image runs): one
// file with its source map, and a compile cache that node accepts, also once the bundle and its
// cache have moved elsewhere (the image holds them in /app/dist/controller/), for the user that
// built it and under the image's user id, readable by that user; and the Deployment runs it so.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cp, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { repoRoot } from '../../harness/binaries.ts';
import { deployedNodeEnv } from '../../harness/controller-process.ts';

const run = promisify(execFile);

/** Runs the bundle in `dir` with its compile cache (as the Deployment does) and node's report of it. */
async function runWithCompileCache(dir: string): Promise<{ code: number; report: string }> {
  const env = {
    NODE_COMPILE_CACHE: path.join(dir, 'compile-cache'),
    NODE_COMPILE_CACHE_PORTABLE: '1',
    NODE_DEBUG_NATIVE: 'COMPILE_CACHE',
  };
  // an empty configuration: the controller loads every module, then refuses it (exit 2)
  const exited = await run(process.execPath, [path.join(dir, 'controller.js')], {
    env,
    timeout: 60_000,
  }).then(
    (result) => ({ code: 0, ...result }),
    (error: { code: number; stdout: string; stderr: string }) => error,
  );
  return { code: exited.code, report: exited.stdout + exited.stderr };
}

describe('the controller bundle (hack/build-controller.ts)', () => {
  let work = '';
  let built = '';
  before(async () => {
    work = await mkdtemp(path.join(os.tmpdir(), 'k8sclaw-controller-bundle-'));
    built = path.join(work, 'built');
    await run(process.execPath, [path.join(repoRoot, 'hack', 'build-controller.ts'), built], {
      timeout: 120_000,
    });
  });
  after(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('is one file with its source map and a compile cache for this user and the image user', async () => {
    assert.deepEqual((await readdir(built)).sort(), ['compile-cache', 'controller.js', 'controller.js.map']);
    const caches = await readdir(path.join(built, 'compile-cache'));
    const uid = process.getuid?.() ?? 0;
    assert.ok(
      caches.some((name) => name.endsWith(`-${uid}`)),
      `a cache for user ${uid}: ${caches.join(', ')}`,
    );
    assert.ok(
      caches.some((name) => name.endsWith('-65532')),
      `a cache for the image's user: ${caches.join(', ')}`,
    );
  });

  it('is the same, compile cache included, when built again from the same sources', async () => {
    // node's code cache differs from one making to the next; the images are rebuilt when a byte
    // of their context changes
    const contents = async () =>
      Object.fromEntries(
        await Promise.all(
          (await readdir(built, { recursive: true })).sort().map(async (file) => {
            const full = path.join(built, file);
            return [file, (await stat(full)).isFile() ? (await readFile(full)).toString('base64') : 'dir'];
          }),
        ),
      );
    const before = await contents();
    await run(process.execPath, [path.join(repoRoot, 'hack', 'build-controller.ts'), built], {
      timeout: 120_000,
    });
    assert.deepEqual(await contents(), before);
  });

  it('can be read by any user (the image copies it as root and runs as 65532)', async () => {
    const files = await readdir(built, { recursive: true });
    assert.ok(files.length > 4, files.join(', '));
    for (const file of files) {
      const { mode } = await stat(path.join(built, file));
      assert.equal(mode & 0o004, 0o004, `${file} is readable by others (mode ${(mode & 0o777).toString(8)})`);
    }
  });

  it('starts from its compile cache, also moved to another directory, and leaves the cache as it was', async () => {
    const moved = path.join(work, 'moved', 'dist', 'controller');
    await cp(built, moved, { recursive: true });
    const cachesBefore = await readdir(path.join(moved, 'compile-cache'), { recursive: true });
    for (const dir of [built, moved]) {
      const { code, report } = await runWithCompileCache(dir);
      assert.equal(code, 2, report);
      assert.match(report, /V8 code cache for ESM \S+controller\.js was accepted/, report);
    }
    assert.deepEqual(await readdir(path.join(moved, 'compile-cache'), { recursive: true }), cachesBefore);
  });

  it('is what the Deployment runs, from the compile cache the build makes beside it', async () => {
    const deployment = await readFile(path.join(repoRoot, 'config', 'manager', 'controller.yaml'), 'utf8');
    assert.match(deployment, /command:\s*\[node, [^\]]*\/app\/dist\/controller\/controller\.js\]/);
    assert.equal(
      deployedNodeEnv('bundled').NODE_COMPILE_CACHE,
      path.join(repoRoot, 'dist', 'controller', 'compile-cache'),
    );
    assert.equal(deployedNodeEnv('bundled').NODE_COMPILE_CACHE_PORTABLE, '1');
    assert.equal(deployedNodeEnv('source').NODE_COMPILE_CACHE, undefined);
  });
});
