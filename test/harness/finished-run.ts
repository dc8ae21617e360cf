// Waiting for an AgentRun to end (Succeeded or Failed), for tests that watch runs execute on a real
// cluster: bounded, polled once a second, answering the run as it ended.
import { agentRunKind, resourceOf, type AgentRun } from '../../src/api/index.ts';
import type { KubeClient } from '../../src/kube/index.ts';
import { eventually } from './eventually.ts';

export async function readAgentRun(kube: KubeClient, namespace: string, name: string): Promise<AgentRun> {
  return (await kube.customObjects.getNamespacedCustomObject({
    ...resourceOf(agentRunKind),
    namespace,
    name,
  })) as AgentRun;
}

export function finishedRun(
  kube: KubeClient,
  namespace: string,
  name: string,
  timeoutMs: number,
): Promise<AgentRun> {
  return eventually(
    `run ${name} to finish`,
    async () => {
      const current = await readAgentRun(kube, namespace, name);
      return current.status?.phase === 'Succeeded' || current.status?.phase === 'Failed'
        ? current
        : undefined;
    },
    timeoutMs,
    1_000,
  );
}
