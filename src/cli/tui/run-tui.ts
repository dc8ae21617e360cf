// `k8sclaw` with no arguments: the TUI on the terminal, for the current kube context and its
// namespace (or -n, or all with -A), with the user's own rights. Returns when the user quits.
import { render } from 'ink';
import React from 'react';
import { connectApiServer } from '../apiserver-connection.ts';
import type { CliContext } from '../cli-context.ts';
import { CliError } from '../cli-error.ts';
import { TuiActions } from './tui-actions.ts';
import { TuiApp } from './tui-app.ts';
import { TuiData } from './tui-data.ts';

export interface TuiOptions {
  /** -n: the namespace shown (default: the kube context's). */
  namespace?: string;
  /** -A: all namespaces. */
  allNamespaces?: boolean;
}

export async function runTui(ctx: CliContext, options: TuiOptions = {}): Promise<void> {
  if (!ctx.interactive)
    throw new CliError('NotATerminal', 'the TUI needs a terminal: run k8sclaw --help for the commands');
  const kube = ctx.kube();
  // run details follow the run's events from the API server, as the user, through a port-forward
  const data = new TuiData(kube, { connectApiServer: () => connectApiServer(ctx, { flags: false }) });
  const app = render(
    React.createElement(TuiApp, {
      data,
      actions: new TuiActions(ctx),
      context: kube.config.getCurrentContext(),
      namespace: ctx.namespace(options.namespace),
      allNamespaces: options.allNamespaces ?? false,
      now: ctx.env.now,
      colour: !ctx.env.noColor,
    }),
    {
      stdout: ctx.env.stdout as NodeJS.WriteStream,
      stdin: ctx.env.stdin as NodeJS.ReadStream,
      stderr: ctx.env.stderr as NodeJS.WriteStream,
      exitOnCtrlC: true,
      // ctx.interactive checked the terminal; Ink would also count a CI variable in the
      // environment as "not interactive" and draw nothing until exit
      interactive: true,
    },
  );
  try {
    await app.waitUntilExit();
  } finally {
    await data.stop();
  }
}
