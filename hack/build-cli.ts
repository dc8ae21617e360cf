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
// The images do not use this: they run tsc's dist/src/ (`npm run build`).
//
// Usage: node hack/build-cli.ts [package-dir]   (default: dist/package; then `npm pack ./dist/package`)
import { build, type Plugin } from 'esbuild';
import { cp, readFile, rm, writeFile } from 'node:fs/promises';
import { isBuiltin } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildCliPackageManifest, type PackageManifest } from './cli-package-manifest.ts';

const repo = fileURLToPath(new URL('..', import.meta.url));
const packageDir = path.resolve(process.argv[2] ?? path.join(repo, 'dist', 'package'));
const outdir = path.join(packageDir, 'dist', 'cli');

/**
 * Node's built-in modules imported as CommonJS (`require`) rather than as ES modules. Node gives an
 * ES module its own view of a built-in module by reading every export, getters included, and
 * node:http's WebSocket, CloseEvent and MessageEvent getters load Node's own fetch and WebSocket
 * implementation: some 40 ms of CPU at every start, for nothing the CLI uses. Through require, an
 * export is read when the code uses it.
 */
const builtinsAsCommonJs: Plugin = {
  name: 'builtins-as-commonjs',
  setup(build) {
    build.onResolve({ filter: /^[a-z_:/]+$/ }, (args) =>
      args.kind === 'import-statement' && isBuiltin(args.path)
        ? { path: args.path.startsWith('node:') ? args.path : `node:${args.path}`, namespace: 'builtin' }
        : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: 'builtin' }, (args) => ({
      contents: `module.exports = require(${JSON.stringify(args.path)});`,
      loader: 'js',
    }));
  },
};

// the directory is replaced whole (the chunks' names change with their content: old ones would
// stay beside the new), so it may not hold the checkout
if (!path.relative(packageDir, repo).startsWith('..'))
  throw new Error(`the package directory ${packageDir} holds the checkout: give a directory of its own`);
await rm(packageDir, { recursive: true, force: true });
const { metafile } = await build({
  entryPoints: [path.join(repo, 'src', 'cmd', 'k8sclaw.ts')],
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node24',
  // the CommonJS packages in the bundle call require() for Node's built-in modules, which an ES
  // module has no binding for: give every file one
  banner: {
    js: "import { createRequire as k8sclawRequire } from 'node:module';\nconst require = k8sclawRequire(import.meta.url);",
  },
  // React picks its production build by this at run time; the bundle ships only that one (as the
  // images run with NODE_ENV=production)
  define: { 'process.env.NODE_ENV': '"production"' },
  // Ink imports React's devtools only when DEV=true, and they are not a dependency
  external: ['react-devtools-core'],
  // fewer bytes to read and check against the compile cache; names are kept, for stack traces
  minifyWhitespace: true,
  minifySyntax: true,
  // the third-party licence comments, kept at the end of each file
  legalComments: 'eof',
  plugins: [builtinsAsCommonJs],
  logLevel: 'warning',
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
