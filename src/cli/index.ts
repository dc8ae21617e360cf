// Public surface of the CLI component, used by src/cmd/k8sclaw.ts.
export { readVersionInfo, renderVersion, type VersionInfo } from './commands/version.ts';
