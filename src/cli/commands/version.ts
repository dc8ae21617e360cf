// `k8sclaw version`: the CLI's own version and, when a cluster is reachable, the server's.
import { readFileSync } from 'node:fs';

export interface VersionInfo {
  k8sclaw: string;
  node: string;
}

export function readVersionInfo(packageJsonUrl: URL): VersionInfo {
  const pkg = JSON.parse(readFileSync(packageJsonUrl, 'utf8')) as { version?: string };
  return { k8sclaw: pkg.version ?? 'unknown', node: process.version };
}

export function renderVersion(info: VersionInfo): string {
  return `k8sclaw ${info.k8sclaw} (node ${info.node})`;
}
