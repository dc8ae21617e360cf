// Builds the controller manager as the k8sclaw image runs it: src/cmd/controller.ts and everything
// it imports, node_modules included, bundled by esbuild into dist/controller/controller.js (run by
// config/manager/controller.yaml), with a source map beside it. Why a bundle: loaded from
// dist/src/ and node_modules/, the controller links every module of every package it imports,
// whatever it uses of them; the bundle holds only the code it reaches, which is less resident
// memory for the process's whole life (bench/README.md, controller memory).
// Beside it, Node's compile cache of the bundle (dist/controller/compile-cache/, portable: keyed by
// the path relative to the cache), which the Deployment points NODE_COMPILE_CACHE at: a controller
// that starts from V8's code cache instead of parsing 6 MB of source holds about 15 MiB less RSS for
// as long as it runs. It is made by running the bundle once with an empty environment, where the
// controller stops at its configuration check (exit 2) after every module is loaded. Node names the
// cache's directory by its version and the user id; the content is the same for every user, so it
// is copied under the name of the image's user (a node of another version ignores it). A bundle
// that has not changed keeps the cache it has: node's code cache differs from one making to the
// next, and the images are rebuilt when a byte of their context changes.
// `npm run build` runs this after tsc.
//
// Usage: node hack/build-controller.ts [outdir]   (default: dist/controller)
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { chmod, cp, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { nodeBundleOptions } from './node-bundle-options.ts';

const repo = fileURLToPath(new URL('..', import.meta.url));
const outdir = path.resolve(process.argv[2] ?? path.join(repo, 'dist', 'controller'));

const { outputFiles } = await build({
  ...nodeBundleOptions,
  entryPoints: [path.join(repo, 'src', 'cmd', 'controller.ts')],
  outdir,
  // node --enable-source-maps maps a stack trace back to the sources; without that option node
  // does not read the map, so it costs nothing at run time. Mappings only: the sources are the
  // repository's.
  sourcemap: 'linked',
  sourcesContent: false,
  write: false,
});
const cache = path.join(outdir, 'compile-cache');
/** The user the k8sclaw image runs as (images/k8sclaw/Containerfile's USER). */
const imageUser = 65532;

/** Whether `outdir` already holds exactly these files and this node's compile cache of them. */
async function unchanged(): Promise<boolean> {
  const held = await readdir(cache).catch(() => []);
  const thisNode = `v${process.versions.node}-${process.arch}-`;
  if (!held.some((name) => name.startsWith(thisNode) && name.endsWith(`-${imageUser}`))) return false;
  for (const file of outputFiles) {
    const old = await readFile(file.path).catch(() => undefined);
    if (!old?.equals(file.contents)) return false;
  }
  return true;
}

/** Writes the bundle into `outdir` and makes its compile cache, for this user and the image's. */
async function writeWithCompileCache(): Promise<void> {
  await rm(outdir, { recursive: true, force: true });
  await mkdir(outdir, { recursive: true });
  for (const file of outputFiles) await writeFile(file.path, file.contents);
  const result = spawnSync(process.execPath, [path.join(outdir, 'controller.js')], {
    env: { NODE_COMPILE_CACHE: cache, NODE_COMPILE_CACHE_PORTABLE: '1' },
    encoding: 'utf8',
    timeout: 60_000,
  });
  if (result.status !== 2)
    throw new Error(
      `the bundle exited with ${result.status} instead of refusing an empty configuration: ${result.stderr}`,
    );
  // one directory, named <node version>-<arch>-<V8's cache tag>-<user id>
  const [written, ...others] = await readdir(cache);
  if (!written || others.length > 0)
    throw new Error(`expected one compile cache in ${cache}, found ${[written, ...others].join(', ')}`);
  const forImage = written.replace(/-\d+$/, `-${imageUser}`);
  if (forImage !== written)
    await cp(path.join(cache, written), path.join(cache, forImage), { recursive: true });
}

// node's code cache differs from one making to the next: an unchanged bundle keeps the one it has,
// so that the images built from it stay the same
const keep = await unchanged();
if (!keep) await writeWithCompileCache();
// node writes its cache files for their owner only; the image copies them as root and runs as its user
for (const file of await readdir(cache, { recursive: true }))
  if (path.dirname(file) !== '.') await chmod(path.join(cache, file), 0o644);
console.log(
  `controller ${keep ? 'bundle unchanged in' : 'bundled into'} ${path.relative(process.cwd(), outdir) || '.'}`,
);
