// What the onboard wizard reads from the cluster: whether the API answers and serves K8sClaw's
// CRDs (by discovery, which every signed-in user may read), and what an earlier onboard left
// (the instance, the Secrets it names, the policy's default action) as the defaults of a re-run.
import {
  clawInstanceKind,
  clawPolicyKind,
  resourceOf,
  type ClawInstance,
  type ClawPolicy,
  type ToolAction,
} from '../../api/index.ts';
import { isForbidden, isNotFound, undefinedIfNotFound, type KubeClient } from '../../kube/index.ts';
import { explainKubeFailure } from '../kube-failure.ts';
import { channelSecretKeys, channelSettingKeys } from '../../orchestrator/index.ts';
import type { ClusterState, ExistingSetup } from './onboard-wizard.ts';

export async function checkOnboardCluster(kube: KubeClient, namespace: string): Promise<ClusterState> {
  let version: string;
  try {
    version = (await kube.version.getCode()).gitVersion;
  } catch (error) {
    throw explainKubeFailure(error, {
      verb: 'get',
      kind: { singular: 'version', plural: 'version' },
      server: kube.server,
    });
  }
  // listing one instance: a 404 means the CRD is not served; a refusal cannot tell, and the apply
  // later says what the user may not do
  let installed = true;
  try {
    await kube.customObjects.listNamespacedCustomObject({
      ...resourceOf(clawInstanceKind),
      namespace,
      limit: 1,
    });
  } catch (error) {
    if (isNotFound(error)) installed = false;
    else if (!isForbidden(error))
      throw explainKubeFailure(error, {
        verb: 'list',
        kind: clawInstanceKind,
        namespace,
        server: kube.server,
      });
  }
  return { server: kube.server, version, installed };
}

async function readSecretValue(
  kube: KubeClient,
  namespace: string,
  name: string | undefined,
  key: string,
): Promise<string | undefined> {
  if (!name) return undefined;
  // a Secret the user may not read is one the wizard cannot offer to keep: it asks instead
  const secret = await undefinedIfNotFound(kube.core.readNamespacedSecret({ name, namespace })).catch(
    (error: unknown) => {
      if (isForbidden(error)) return undefined;
      throw error;
    },
  );
  const value = secret?.data?.[key];
  return value === undefined ? undefined : Buffer.from(value, 'base64').toString('utf8');
}

export async function readExistingSetup(
  kube: KubeClient,
  namespace: string,
  name: string,
): Promise<ExistingSetup | undefined> {
  const instance = (await undefinedIfNotFound(
    kube.customObjects.getNamespacedCustomObject({ ...resourceOf(clawInstanceKind), namespace, name }),
  ).catch((error: unknown) => {
    throw explainKubeFailure(error, {
      verb: 'get',
      kind: clawInstanceKind,
      name,
      namespace,
      server: kube.server,
    });
  })) as ClawInstance | undefined;
  const agent = instance?.spec.agents.default;
  if (!instance || !agent) return undefined;
  const apiKey = await readSecretValue(
    kube,
    namespace,
    agent.authSecretRef?.name,
    agent.authSecretRef?.key ?? '',
  );
  const channel = instance.spec.channels?.[0];
  // the channel's other keys the user may read (none when the Secret is not theirs to read)
  const channelSettings = channel
    ? (
        await Promise.all(
          channelSettingKeys(channel.type).map(async ({ key }) => [
            key,
            await readSecretValue(kube, namespace, channel.secretRef?.name, key),
          ]),
        )
      ).filter((entry): entry is [string, string] => entry[1] !== undefined)
    : [];
  return {
    ...(agent.provider ? { provider: agent.provider } : {}),
    ...(agent.model ? { model: agent.model } : {}),
    ...(agent.baseURL ? { baseUrl: agent.baseURL } : {}),
    ...(apiKey ? { apiKey } : {}),
    ...(channel
      ? {
          channel: {
            type: channel.type,
            token: await readSecretValue(
              kube,
              namespace,
              channel.secretRef?.name,
              channelSecretKeys[channel.type].token,
            ),
            ...(channelSettings.length > 0 ? { settings: Object.fromEntries(channelSettings) } : {}),
          },
        }
      : {}),
    ...(instance.spec.policyRef ? { policyName: instance.spec.policyRef } : {}),
  };
}

export async function readPolicyAction(
  kube: KubeClient,
  namespace: string,
  name: string,
): Promise<ToolAction | undefined> {
  const policy = (await undefinedIfNotFound(
    kube.customObjects.getNamespacedCustomObject({ ...resourceOf(clawPolicyKind), namespace, name }),
  ).catch((error: unknown) => {
    throw explainKubeFailure(error, {
      verb: 'get',
      kind: clawPolicyKind,
      name,
      namespace,
      server: kube.server,
    });
  })) as ClawPolicy | undefined;
  return policy?.spec.toolGating?.defaultAction;
}
