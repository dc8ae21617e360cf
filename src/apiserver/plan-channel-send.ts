// Whether a run's `channel_message` event may go out, decided again where the run cannot reach
// (pure): the run still exists with that uid, its instance still has the channel and names the chat
// in allowedChats, and the instance's policy, resolved by the same code as when the run started,
// still lets the run use send_channel_message. The reply is named from the run's uid and the event's
// seq, so an event delivered again is published under the same bus message id and posted once.
import {
  featureGateDefaults,
  type AgentRun,
  type ClawInstance,
  type ClawPolicy,
  type RunEvent,
} from '../api/index.ts';
import { resolveEffectiveRun } from '../orchestrator/index.ts';
import type { PlannedChannelReply } from './plan-channel-run.ts';

export const channelSendRefusals = [
  'RunNotFound',
  'InstanceNotFound',
  'ChannelNotConfigured',
  'ChatNotNamed',
  'PolicyNotFound',
  'FeatureGateOff',
  'ToolNotAllowed',
] as const;
export type ChannelSendRefusal = (typeof channelSendRefusals)[number];

export type ChannelSendPlan =
  { ok: true; planned: PlannedChannelReply } | { ok: false; reason: ChannelSendRefusal; message: string };

export interface ChannelSendInputs {
  /** The AgentRun named by the event, only if its uid is the event's run uid. */
  agentRun: AgentRun | undefined;
  /** The ClawInstance named by the event. */
  instance: ClawInstance | undefined;
  /** The instance's ClawPolicy (spec.policyRef), when it names one and it exists. */
  policy: ClawPolicy | undefined;
}

/** The reply id of a run's message: `<run uid>:send:<seq>` (the bus message id adds `:reply`). */
export function channelSendReplyId(event: RunEvent): string {
  return `${event.identity.runUid}:send:${event.seq}`;
}

export function planChannelSend(event: RunEvent, inputs: ChannelSendInputs): ChannelSendPlan {
  const { body, identity } = event;
  if (body.type !== 'channel_message') throw new Error('planChannelSend needs a channel_message event');
  const refuse = (reason: ChannelSendRefusal, message: string): ChannelSendPlan => ({
    ok: false,
    reason,
    message,
  });
  const { agentRun, instance, policy } = inputs;
  if (agentRun === undefined) {
    return refuse('RunNotFound', `the AgentRun ${identity.run} (uid ${identity.runUid}) no longer exists`);
  }
  if (
    instance === undefined ||
    instance.metadata.name !== identity.instance ||
    agentRun.spec.instanceRef !== identity.instance
  ) {
    return refuse('InstanceNotFound', `the ClawInstance ${identity.instance} of the run no longer exists`);
  }
  const channel = (instance.spec.channels ?? []).find((candidate) => candidate.type === body.channel);
  if (!channel) {
    return refuse('ChannelNotConfigured', `the instance has no ${body.channel} channel`);
  }
  const chats = channel.accessControl?.allowedChats ?? [];
  if (!chats.includes(body.chatId)) {
    return refuse('ChatNotNamed', `${body.channel} chat ${body.chatId} is not in the channel's allowedChats`);
  }
  const policyRef = instance.spec.policyRef;
  if (policyRef !== undefined && policy?.metadata.name !== policyRef) {
    // fail closed, as the controller does: an instance bound to a policy never acts without it
    return refuse('PolicyNotFound', `the ClawPolicy ${policyRef} of the instance does not exist`);
  }
  const gate = policy?.spec.featureGates?.['channel-send'] ?? featureGateDefaults['channel-send'];
  if (!gate) return refuse('FeatureGateOff', `the ClawPolicy ${policyRef} turns channel-send off`);
  const resolved = resolveEffectiveRun(agentRun, instance, policy);
  if (!resolved.ok) {
    return refuse('ToolNotAllowed', `the run would not be allowed to start now: ${resolved.message}`);
  }
  if (!resolved.effective.tools.includes('send_channel_message')) {
    return refuse(
      'ToolNotAllowed',
      "send_channel_message is denied by the policy's tool gating or the run's tool policy",
    );
  }
  // `ask` is never allow: with no way to approve a call, the runner does not offer the tool either
  if (resolved.effective.toolsNeedingApproval.includes('send_channel_message')) {
    return refuse('ToolNotAllowed', 'send_channel_message needs approval (the policy marks it ask)');
  }
  return {
    ok: true,
    planned: {
      identity: { namespace: identity.namespace, instance: identity.instance, channel: body.channel },
      reply: {
        id: channelSendReplyId(event),
        // the receipt of this message finds its run by name
        run: identity.run,
        chat: { chatId: body.chatId, ...(body.threadId !== undefined ? { threadId: body.threadId } : {}) },
        status: 'succeeded',
        text: body.text,
      },
    },
  };
}
