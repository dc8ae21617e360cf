// Builds the `k8sclaw` CLI as the npm package ships it: src/cmd/k8sclaw.ts and everything it imports,
// node_modules included, bundled by esbuild into a few files in dist/cli/ (package.json's `bin`).
// Why a bundle: loaded from dist/src/ and node_modules/ the CLI reads, resolves and links some 1,800
// modules (868 of them the Kubernetes client's) before it does anything, which costs most of its
// start-up; one bundle is a handful of files. What the source imports dynamically (the TUI,
// install, uninstall) becomes a chunk of its own, loaded only by the command that uses it.
// The images do not use this: they run tsc's dist/src/ (`npm run build`), and the controller its own
// bundle (hack/build-controller.ts).
//
// Usage: node hack/build-cli.ts [outdir]   (default: dist/cli)
import { build } from 'esbuild';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { nodeBundleOptions } from './node-bundle-options.ts';

const repo = fileURLToPath(new URL('..', import.meta.url));
const outdir = path.resolve(process.argv[2] ?? path.join(repo, 'dist', 'cli'));

// the chunks' names change with their content: old ones would stay beside the new
await rm(outdir, { recursive: true, force: true });
await build({
  ...nodeBundleOptions,
  entryPoints: [path.join(repo, 'src', 'cmd', 'k8sclaw.ts')],
  outdir,
  splitting: true,
  // React picks its production build by this at run time; the bundle ships only that one (as the
  // images run with NODE_ENV=production)
  define: { 'process.env.NODE_ENV': '"production"' },
  // Ink imports React's devtools only when DEV=true, and they are not a dependency
  external: ['react-devtools-core'],
});
console.log(`k8sclaw CLI bundled into ${path.relative(process.cwd(), outdir) || '.'}`);
