// The AgentRun a run event belongs to, read from the Kubernetes API: only the run with the event's
// uid, since a run of the same name created since is another run and says nothing about this one.
import { agentRunKind, group, version, type AgentRun, type RunEvent } from '../api/index.ts';
import { undefinedIfNotFound, type KubeClient } from '../kube/index.ts';

export async function fetchAgentRun(
  deps: { kube: KubeClient },
  event: RunEvent,
): Promise<AgentRun | undefined> {
  const { namespace, run, runUid } = event.identity;
  const agentRun = (await undefinedIfNotFound(
    deps.kube.customObjects.getNamespacedCustomObject({
      group,
      version,
      plural: agentRunKind.plural,
      namespace,
      name: run,
    }),
  )) as AgentRun | undefined;
  return agentRun?.metadata.uid === runUid ? agentRun : undefined;
}
