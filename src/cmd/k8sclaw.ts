#!/usr/bin/env node
// Entry point of the `k8sclaw` CLI: turns on Node's module compile cache, then hands the command
// line, the terminal and the environment to the CLI component (src/cli) and exits with its code.
// An output pipe closed by its reader ends the process quietly.
// The cache keeps V8's compiled code of the modules below across runs (in the system's temporary
// directory; NODE_DISABLE_COMPILE_CACHE=1 turns it off), so that a command does not parse the
// Kubernetes client again every time: it has to be on before they load, hence the dynamic import.
import { enableCompileCache } from 'node:module';

enableCompileCache();
// a reader that stops early (`k8sclaw runs list | head`) closes the pipe: the rest of the output is
// not wanted, which is no failure, so stop quietly instead of crashing on the write
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error;
  process.exit(0);
});
const { runK8sclaw } = await import('../cli/index.ts');

process.exitCode = await runK8sclaw(
  process.argv,
  {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    ...(process.env.KUBECONFIG ? { kubeconfig: process.env.KUBECONFIG } : {}),
    now: () => new Date(),
    noColor: Boolean(process.env.NO_COLOR),
    variables: process.env,
  },
  Boolean(process.env.K8SCLAW_DEBUG),
);
