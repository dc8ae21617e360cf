// What stands in for a run's pod where no kubelet runs the agent: its IPC bridge (connected with the
// credentials from the run's Secret, publishing completions) and the kubelet (writing the agent
// container's terminated state, from which the real Job controller finishes the Job). Plus a reader
// of the completions a controller logged, to count how often each result was recorded.
import { readFileSync } from 'node:fs';
import { labels, type RunEvent, type RunIdentity, type RunResult } from '../../src/api/index.ts';
import { buildRunInboxPrefix, connectEventBus, type EventBus } from '../../src/eventbus/index.ts';
import type { KubeClient } from '../../src/kube/index.ts';
import { eventually } from './eventually.ts';

/** Connects to the bus as a run's bridge, with the given user credentials. */
export async function connectAsBridge(
  url: string,
  credentials: string,
  identity: RunIdentity,
): Promise<EventBus> {
  return await connectEventBus({
    url,
    name: `ipc-bridge/${identity.namespace}/${identity.run}`,
    credentials,
    inboxPrefix: buildRunInboxPrefix(identity),
    connectTimeoutMs: 10_000,
  });
}

/** Connects as the run's IPC bridge would: with the credentials from the run's Secret. */
export async function connectRunBridge(
  kube: KubeClient,
  url: string,
  identity: RunIdentity,
): Promise<EventBus> {
  const secret = await kube.core.readNamespacedSecret({
    name: `agentrun-${identity.run}-bus`,
    namespace: identity.namespace,
  });
  const encoded = secret.data?.['bus.creds'];
  if (!encoded) throw new Error(`Secret agentrun-${identity.run}-bus holds no bus.creds`);
  return await connectAsBridge(url, Buffer.from(encoded, 'base64').toString('utf8'), identity);
}

export function buildRunResult(result: Partial<RunResult>): RunResult {
  return {
    status: 'succeeded',
    usage: { input: 100, output: 20 },
    toolCalls: 0,
    memoryUpdates: [],
    ...result,
  };
}

export function buildCompletedEvent(
  identity: RunIdentity,
  result: Partial<RunResult>,
  id = 'completed',
): RunEvent {
  return {
    id,
    seq: 7,
    time: new Date().toISOString(),
    identity,
    body: { type: 'completed', result: buildRunResult(result) },
  };
}

/** Stands in for the kubelet: the agent container terminated, and with it the pod. */
export async function terminateAgentContainer(
  kube: KubeClient,
  namespace: string,
  runName: string,
  exitCode: number,
  message?: string,
): Promise<void> {
  await eventually(`the agent of ${runName} to terminate`, async () => {
    const pods = await kube.core.listNamespacedPod({ namespace, labelSelector: `${labels.run}=${runName}` });
    const pod = pods.items[0];
    const name = pod?.metadata?.name;
    if (!pod || !name) return undefined;
    const finishedAt = new Date();
    const startedAt = new Date(finishedAt.getTime() - 5_000);
    const image = pod.spec?.containers.find((c) => c.name === 'agent')?.image ?? '';
    pod.status = {
      ...pod.status,
      phase: exitCode === 0 ? 'Succeeded' : 'Failed',
      startTime: startedAt,
      containerStatuses: [
        {
          name: 'agent',
          image,
          imageID: '',
          ready: false,
          restartCount: 0,
          state: {
            terminated: {
              exitCode,
              reason: exitCode === 0 ? 'Completed' : 'Error',
              startedAt,
              finishedAt,
              ...(message !== undefined ? { message } : {}),
            },
          },
        },
      ],
    };
    await kube.core.replaceNamespacedPodStatus({ name, namespace, body: pod });
    return true;
  });
}

/** One completion a controller took from the bus, as it logged it. */
export interface HandledCompletion {
  namespace: string;
  run: string;
  recorded: boolean;
  why?: string;
}

/** Every completion the controllers writing these log files took from the bus, in log order. */
export function readHandledCompletions(logFiles: readonly string[]): HandledCompletion[] {
  return logFiles
    .flatMap((file) => readFileSync(file, 'utf8').split('\n'))
    .flatMap((line) => {
      try {
        return [JSON.parse(line) as Record<string, unknown>];
      } catch {
        return [];
      }
    })
    .filter((entry) => entry.msg === 'run result handled')
    .map((entry) => ({
      namespace: String(entry.namespace),
      run: String(entry.run),
      recorded: entry.recorded === true,
      ...(typeof entry.why === 'string' ? { why: entry.why } : {}),
    }));
}
