// The Secret holding one run's event bus credentials (a NATS .creds file whose permissions cover
// only that run's subjects), mounted into the run's IPC bridge only. Owned by the run, so it goes
// away with it; the credentials themselves expire shortly after the run's deadline.
import { labels, type AgentRun } from '../api/index.ts';
import { agentPodPaths } from './agent-pod-paths.ts';
import { buildOwnerReference } from './build-owner-reference.ts';
import { runBusCredentialsSecretName } from './child-names.ts';
import type { SecretManifest } from './kubernetes-manifests.ts';
import { buildObjectLabels } from './object-labels.ts';

/** How long credentials outlive the run's deadline: the bridge's final drain happens after it. */
export const busCredentialsGraceSeconds = 15 * 60;

export function runBusCredentialsExpiry(startedAt: Date, timeoutSeconds: number): Date {
  return new Date(startedAt.getTime() + (timeoutSeconds + busCredentialsGraceSeconds) * 1000);
}

export function buildRunBusCredentialsSecret(
  run: AgentRun,
  instanceName: string,
  credentials: string,
): SecretManifest {
  const runName = run.metadata.name;
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: runBusCredentialsSecretName(runName),
      namespace: run.metadata.namespace,
      labels: buildObjectLabels('agent-run', { [labels.instance]: instanceName, [labels.run]: runName }),
      ownerReferences: [buildOwnerReference(run)],
    },
    type: 'Opaque',
    stringData: { [agentPodPaths.busCredentialsFile]: credentials },
  };
}
