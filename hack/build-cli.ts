// Builds the `k8sclaw` CLI as the npm package ships it: src/cmd/k8sclaw.ts and everything it imports,
// node_modules included, bundled by esbuild into a few files in dist/cli/ (package.json's `bin`).
// Why a bundle: loaded from dist/src/ and node_modules/ the CLI reads, resolves and links some 1,800
// modules (868 of them the Kubernetes client's) before it does anything, which costs most of its
// start-up; one bundle is a handful of files. What the source imports dynamically (the TUI,
// install, uninstall) becomes a chunk of its own, loaded only by the command that uses it.
// The images do not use this: they run tsc's dist/src/ (`npm run build`).
//
// Usage: node hack/build-cli.ts [outdir]   (default: dist/cli)
import { build, type Plugin } from 'esbuild';
import { rm } from 'node:fs/promises';
import { isBuiltin } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('..', import.meta.url));
const outdir = path.resolve(process.argv[2] ?? path.join(repo, 'dist', 'cli'));

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

// the chunks' names change with their content: old ones would stay beside the new
await rm(outdir, { recursive: true, force: true });
await build({
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
});
console.log(`k8sclaw CLI bundled into ${path.relative(process.cwd(), outdir) || '.'}`);
