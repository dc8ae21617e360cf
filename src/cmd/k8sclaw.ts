#!/usr/bin/env node
// Entry point of the `k8sclaw` CLI: parses the command line and dispatches. Nothing else.
import { readVersionInfo, renderVersion } from '../cli/index.ts';

const usage = `Usage: k8sclaw <command>

Commands:
  version    print the version
`;

function packageJsonUrl(): URL {
  // src/cmd/k8sclaw.ts and dist/src/cmd/k8sclaw.js sit at different depths below package.json
  const depth = import.meta.url.includes('/dist/src/') ? '../../../' : '../../';
  return new URL(`${depth}package.json`, import.meta.url);
}

const [command] = process.argv.slice(2);
switch (command) {
  case 'version':
    console.log(renderVersion(readVersionInfo(packageJsonUrl())));
    break;
  case undefined:
  case 'help':
  case '--help':
    process.stdout.write(usage);
    break;
  default:
    process.stderr.write(`unknown command "${command}"\n\n${usage}`);
    process.exitCode = 2;
}
