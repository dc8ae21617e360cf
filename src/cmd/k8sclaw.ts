#!/usr/bin/env node
// Entry point of the `k8sclaw` CLI: hands the command line, the terminal and the environment to
// the CLI component (src/cli) and exits with its code. Nothing else.
import { runK8sclaw } from '../cli/index.ts';

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
