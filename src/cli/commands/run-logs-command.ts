// `k8sclaw runs logs <run> [-f] [-c container]`: a container's log of the run's pod. Without -f a
// container that has not started is one sentence saying why; with -f the command waits for it
// (with progress) and then follows the log until the container ends.
import { setTimeout as sleep } from 'node:timers/promises';
import { Option, type Command } from 'commander';
import { agentRunKind, type AgentRun } from '../../api/index.ts';
import { KubeApiError, type V1Pod } from '../../kube/index.ts';
import {
  agentContainerName,
  ipcBridgeContainerName,
  sandboxContainerName,
} from '../../orchestrator/index.ts';
import { CliError } from '../cli-error.ts';
import type { CliContext } from '../cli-context.ts';
import { namespaceOption, type NamespaceOptions } from '../command-options.ts';
import { describeContainerState } from '../container-state.ts';
import { explainKubeFailure } from '../kube-failure.ts';
import { parseSeconds } from '../parse-seconds.ts';
import { streamPodLog } from '../pod-log.ts';
import { startProgress } from '../progress.ts';

interface LogsOptions extends NamespaceOptions {
  follow?: boolean;
  container: string;
  timeout: string;
}

export function addRunLogsCommand(runs: Command, ctx: CliContext): void {
  runs
    .command('logs')
    .description("print the log of a container of the run's pod")
    .argument('<name>', 'name of the run')
    .option('-f, --follow', 'wait for the container to start, then keep printing until it ends')
    .addOption(
      new Option('-c, --container <container>', 'which container')
        .choices([agentContainerName, ipcBridgeContainerName, sandboxContainerName])
        .default(agentContainerName),
    )
    .option('--timeout <seconds>', 'how long -f waits for the container to start', '600')
    .addOption(namespaceOption())
    .action(async (name: string, options: LogsOptions) => {
      const timeoutMs = parseSeconds('--timeout', options.timeout);
      const namespace = ctx.namespace(options.namespace);
      const { container } = options;
      const run = await ctx.resources().get<AgentRun>(agentRunKind, name, namespace);
      const pod = run.status?.podName;
      if (!pod)
        throw new CliError(
          'NoPod',
          `agentrun "${name}" has no pod yet (phase ${run.status?.phase ?? 'Pending'})`,
        );
      const kube = ctx.kube();

      const explain = (error: unknown): unknown => {
        const explained = explainKubeFailure(error, {
          verb: 'get',
          kind: { singular: 'pod', plural: 'pods' },
          name: pod,
          namespace,
          server: kube.server,
        });
        if (explained instanceof CliError && explained.code === 'cli.NotFound')
          return new CliError('PodGone', `the pod "${pod}" of agentrun "${name}" no longer exists`, {
            cause: error,
          });
        if (explained instanceof KubeApiError)
          return new CliError(
            'LogUnavailable',
            `cannot read the log of container "${container}" in pod "${pod}": ${explained.message}`,
            { cause: error },
          );
        return explained;
      };
      const readPod = async (): Promise<V1Pod> => {
        try {
          return await kube.core.readNamespacedPod({ name: pod, namespace });
        } catch (error) {
          throw explain(error);
        }
      };

      let state = describeContainerState(await readPod(), container);
      if (!state.started) {
        const notStarted = (reason: string) =>
          `container "${container}" of agentrun "${name}" has not started yet: ${reason}`;
        if (!options.follow) throw new CliError('NotStarted', notStarted(state.reason));
        const deadline = Date.now() + timeoutMs;
        const progress = startProgress(ctx.env.stderr, notStarted(state.reason));
        while (!state.started) {
          if (Date.now() > deadline) {
            progress.stop(notStarted(state.reason), true);
            throw new CliError(
              'NotStarted',
              `${notStarted(state.reason)} (waited ${Math.round(timeoutMs / 1000)}s)`,
            );
          }
          await sleep(1_000);
          state = describeContainerState(await readPod(), container);
          progress.update(state.started ? `container "${container}" started` : notStarted(state.reason));
        }
        progress.stop(`container "${container}" started`);
      }
      try {
        await streamPodLog(
          kube,
          { namespace, pod, container, follow: options.follow ?? false },
          ctx.env.stdout,
        );
      } catch (error) {
        throw explain(error);
      }
    });
}
