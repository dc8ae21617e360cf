// Builds the `k8sclaw` CLI's npm package into a directory of its own (default dist/package/), from
// which `npm pack` packs it: src/cmd/k8sclaw.ts and everything it imports, node_modules included,
// bundled by esbuild into a few files in dist/cli/ (the package's `bin`), the manifests and
// migrations install reads (config/, migrations/), the README, and a package.json of its own
// (hack/cli-package-manifest.ts) whose dependencies are only the packages the bundle leaves to be
// loaded at run time, read from esbuild's metafile: none today, so installing the CLI installs no
// other package (the project's package.json, with the servers' dependencies, is not packed).
// Why a bundle: loaded from dist/src/ and node_modules/ the CLI reads, resolves and links some 1,800
// modules (868 of them the Kubernetes client's) before it does anything, which costs most of its
// start-up; one bundle is a handful of files. What the source imports dynamically (the TUI,
// install, uninstall) becomes a chunk of its own, loaded only by the command that uses it.
// The images do not use this: they run tsc's dist/src/ (`npm run build`), and the controller its own
// bundle (hack/build-controller.ts).
//
// Usage: node hack/build-cli.ts [package-dir]   (default: dist/package; then `npm pack ./dist/package`)
import { build } from 'esbuild';
import { cp, readFile, rm, writeFile } from 'node:fs/promises';
import { isBuiltin } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildCliPackageManifest, type PackageManifest } from './cli-package-manifest.ts';
import { nodeBundleOptions } from './node-bundle-options.ts';

const repo = fileURLToPath(new URL('..', import.meta.url));
const packageDir = path.resolve(process.argv[2] ?? path.join(repo, 'dist', 'package'));
const outdir = path.join(packageDir, 'dist', 'cli');

// the directory is replaced whole (the chunks' names change with their content: old ones would
// stay beside the new), so it may not hold the checkout
if (!path.relative(packageDir, repo).startsWith('..'))
  throw new Error(`the package directory ${packageDir} holds the checkout: give a directory of its own`);
await rm(packageDir, { recursive: true, force: true });
const { metafile } = await build({
  ...nodeBundleOptions,
  entryPoints: [path.join(repo, 'src', 'cmd', 'k8sclaw.ts')],
  outdir,
  splitting: true,
  // React picks its production build by this at run time; the bundle ships only that one (as the
  // images run with NODE_ENV=production)
  define: { 'process.env.NODE_ENV': '"production"' },
  // Ink imports React's devtools only when DEV=true, and they are not a dependency
  external: ['react-devtools-core'],
  // which imports the bundle leaves to run time: the package's dependencies
  metafile: true,
});
const external = Object.values(metafile.outputs)
  .flatMap((output) => output.imports)
  .filter((entry) => entry.external && !isBuiltin(entry.path))
  .map((entry) => entry.path);
const project = JSON.parse(await readFile(path.join(repo, 'package.json'), 'utf8')) as PackageManifest;
const manifest = buildCliPackageManifest(project, external);
await writeFile(path.join(packageDir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
for (const entry of ['README.md', 'config', 'migrations'])
  await cp(path.join(repo, entry), path.join(packageDir, entry), { recursive: true });
const dependencies = Object.keys(manifest.dependencies);
console.log(
  `k8sclaw CLI package built in ${path.relative(process.cwd(), packageDir) || '.'} ` +
    `(dependencies: ${dependencies.length > 0 ? dependencies.join(', ') : 'none'})`,
);
