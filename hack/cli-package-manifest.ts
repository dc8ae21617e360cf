// The package.json of the `k8sclaw` CLI's npm package, which hack/build-cli.ts writes beside the
// bundle: the project's name, version and licence, the bundle as the `k8sclaw` bin, and as
// dependencies only the packages the bundle leaves to be loaded at run time. The project's own
// dependencies (the controller's, the API server's, the channels' SDKs, pg, NATS) are not the
// package's: the bundle holds what the CLI uses of them. Pure: reads and writes nothing.

/** A package.json, as far as the CLI's package is concerned. */
export interface PackageManifest {
  name: string;
  version: string;
  description?: string;
  license?: string;
  private?: boolean;
  engines?: Record<string, string>;
  dependencies?: Record<string, string>;
}

/** The CLI's package.json: what `npm pack` packs and `npm install -g` installs. */
export interface CliPackageManifest extends PackageManifest {
  type: 'module';
  bin: { k8sclaw: string };
  files: string[];
  dependencies: Record<string, string>;
}

/**
 * Packages the bundle may load at run time that are installed with neither the project nor the
 * package, and why the CLI runs without them (esbuild leaves them as they are: a `require` inside
 * a try block, or an import marked external in hack/build-cli.ts).
 */
export const optionalAtRunTime: Readonly<Record<string, string>> = {
  bufferutil: 'ws requires it in a try block and masks WebSocket frames itself when it is absent',
  'utf-8-validate':
    "ws checks UTF-8 with Node's buffer.isUtf8, and requires it (in a try block) only without one",
  'react-devtools-core': 'Ink imports it only when DEV=true',
};

/** The package a bare module specifier names: `@scope/name/sub` → `@scope/name`, `name/sub` → `name`. */
export function packageOf(specifier: string): string {
  const parts = specifier.split('/');
  return (specifier.startsWith('@') ? parts.slice(0, 2) : parts.slice(0, 1)).join('/');
}

/**
 * The CLI package's manifest: the project's identity, the bundle in dist/cli/ as its bin, the
 * manifests and migrations it reads, and as dependencies the packages of `external` (the bare
 * specifiers the bundle left to run time, Node's built-in modules excluded) at the project's
 * version of them. Throws for an external package that is neither a dependency of the project nor
 * known to be optional: the installed CLI could not load it.
 */
export function buildCliPackageManifest(
  project: PackageManifest,
  external: Iterable<string>,
): CliPackageManifest {
  const dependencies: Record<string, string> = {};
  const unknown: string[] = [];
  for (const name of new Set([...external].map(packageOf))) {
    const version = project.dependencies?.[name];
    if (version !== undefined) dependencies[name] = version;
    else if (!Object.hasOwn(optionalAtRunTime, name)) unknown.push(name);
  }
  if (unknown.length > 0)
    throw new Error(
      `the CLI bundle loads ${unknown.sort().join(', ')} at run time, which is neither a dependency of ` +
        'the project nor known to be optional (hack/cli-package-manifest.ts)',
    );
  return {
    name: project.name,
    version: project.version,
    ...(project.description === undefined ? {} : { description: project.description }),
    ...(project.license === undefined ? {} : { license: project.license }),
    ...(project.private === undefined ? {} : { private: project.private }),
    type: 'module',
    ...(project.engines === undefined ? {} : { engines: project.engines }),
    bin: { k8sclaw: './dist/cli/k8sclaw.js' },
    files: ['dist/cli/', 'config/', 'migrations/'],
    dependencies: Object.fromEntries(Object.entries(dependencies).sort(([a], [b]) => a.localeCompare(b))),
  };
}
