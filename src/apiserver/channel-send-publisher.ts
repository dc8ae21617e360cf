// A run's `channel_message` event, checked again (planChannelSend) against what the Kubernetes API
// says now, goes to its channel's outbound subject under the message id `<run uid>:send:<seq>:reply`:
// the same event delivered again publishes the same id, which the bus stores once. A refused message
// is logged with its reason and dropped; a failed read or publish throws, so the event is redelivered.
import {
  clawInstanceKind,
  clawPolicyKind,
  group,
  version,
  type ClawInstance,
  type ClawPolicy,
  type RunEvent,
} from '../api/index.ts';
import type { EventBus } from '../eventbus/index.ts';
import { undefinedIfNotFound, type KubeClient } from '../kube/index.ts';
import type { Logger } from '../observability/index.ts';
import { fetchAgentRun } from './fetch-agent-run.ts';
import { planChannelSend } from './plan-channel-send.ts';

export interface ChannelSendDeps {
  bus: Pick<EventBus, 'publishChannelReply'>;
  kube: KubeClient;
  logger: Logger;
}

/** True when the message was published (or was already). */
export async function publishChannelSend(deps: ChannelSendDeps, event: RunEvent): Promise<boolean> {
  const { identity, body } = event;
  if (body.type !== 'channel_message') return false;
  const log = {
    namespace: identity.namespace,
    instance: identity.instance,
    run: identity.run,
    seq: event.seq,
    channel: body.channel,
    chat: body.chatId,
  };
  const agentRun = await fetchAgentRun(deps, event);
  const instance = await readObject<ClawInstance>(
    deps.kube,
    clawInstanceKind.plural,
    identity.namespace,
    identity.instance,
  );
  const policyRef = instance?.spec.policyRef;
  const policy =
    policyRef !== undefined
      ? await readObject<ClawPolicy>(deps.kube, clawPolicyKind.plural, identity.namespace, policyRef)
      : undefined;
  const plan = planChannelSend(event, { agentRun, instance, policy });
  if (!plan.ok) {
    deps.logger.warn(
      { ...log, reason: plan.reason, why: plan.message },
      'a run’s channel message was refused; dropped',
    );
    return false;
  }
  const result = await deps.bus.publishChannelReply(plan.planned.identity, plan.planned.reply);
  deps.logger.info(
    { ...log, duplicate: result.duplicate },
    'a run’s channel message published to its channel',
  );
  return true;
}

async function readObject<T>(
  kube: KubeClient,
  plural: string,
  namespace: string,
  name: string,
): Promise<T | undefined> {
  return (await undefinedIfNotFound(
    kube.customObjects.getNamespacedCustomObject({ group, version, plural, namespace, name }),
  )) as T | undefined;
}
