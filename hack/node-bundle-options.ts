// The esbuild options every Node.js bundle of the project shares (the CLI's, hack/build-cli.ts, and
// the controller's, hack/build-controller.ts): ES modules for Node 24, node_modules included,
// whitespace and syntax minified but identifiers kept (stack traces name the functions), and
// Node's built-in modules loaded through require.
import type { BuildOptions, Plugin } from 'esbuild';
import { isBuiltin } from 'node:module';

/**
 * Node's built-in modules imported as CommonJS (`require`) rather than as ES modules. Node gives an
 * ES module its own view of a built-in module by reading every export, getters included, and
 * node:http's WebSocket, CloseEvent and MessageEvent getters load Node's own fetch and WebSocket
 * implementation: some 40 ms of CPU at every start, for nothing the bundles use. Through require,
 * an export is read when the code uses it.
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

export const nodeBundleOptions = {
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node24',
  // the CommonJS packages in the bundle call require() for Node's built-in modules, which an ES
  // module has no binding for: give every file one
  banner: {
    js: "import { createRequire as k8sclawRequire } from 'node:module';\nconst require = k8sclawRequire(import.meta.url);",
  },
  // fewer bytes to read, parse and check against the compile cache; identifiers are kept, for
  // stack traces (minified ones with keepNames made the controller's RSS larger, not smaller)
  minifyWhitespace: true,
  minifySyntax: true,
  // the third-party licence comments, kept at the end of each file
  legalComments: 'eof',
  plugins: [builtinsAsCommonJs],
  logLevel: 'warning',
} satisfies BuildOptions;
