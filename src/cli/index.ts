// Public surface of the CLI component, used by src/cmd/k8sclaw.ts.
export { readVersionInfo, renderVersion, type VersionInfo } from './commands/version.ts';
export { runInstall, defaultConfigDir, type InstallOptions } from './commands/install.ts';
export { runUninstall } from './commands/uninstall.ts';
export { CliError } from './cli-error.ts';
export { packageRoot } from './package-root.ts';
export { runK8sclaw } from './build-program.ts';
export type { CliEnvironment } from './cli-context.ts';
