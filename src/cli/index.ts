// Public surface of the CLI component, used by src/cmd/k8sclaw.ts. install and uninstall are not
// re-exported: the command tree imports them when they run, and exporting them here would load
// them (and with them the event bus and NATS's client) into every command's start.
export { readVersionInfo, renderVersion, type VersionInfo } from './commands/version.ts';
export { CliError } from './cli-error.ts';
export { packageRoot } from './package-root.ts';
export { runK8sclaw } from './build-program.ts';
export type { CliEnvironment } from './cli-context.ts';
