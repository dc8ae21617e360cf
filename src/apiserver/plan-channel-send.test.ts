import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ClawInstance, RunEvent } from '../api/index.ts';
import {
  instanceFixture,
  policyFixture,
  runFixture,
  withPolicy,
} from '../../test/fixtures/k8sclaw-objects.ts';
import { planChannelSend, type ChannelSendInputs, type ChannelSendRefusal } from './plan-channel-send.ts';

const withChats = (instance: ClawInstance) => {
  instance.spec.channels = [
    { type: 'telegram', secretRef: { name: 'tg' }, accessControl: { allowedChats: ['-1001', '42'] } },
    { type: 'slack', secretRef: { name: 'slack' } },
  ];
};

function sendEvent(body: Partial<Extract<RunEvent['body'], { type: 'channel_message' }>> = {}): RunEvent {
  const run = runFixture();
  return {
    id: 'e-3',
    seq: 3,
    time: '2026-11-30T07:00:00.000Z',
    identity: {
      namespace: run.metadata.namespace,
      instance: 'alice',
      run: run.metadata.name,
      runUid: run.metadata.uid ?? '',
    },
    body: { type: 'channel_message', channel: 'telegram', chatId: '-1001', text: 'Backups done.', ...body },
  };
}

const inputs = (overrides: Partial<ChannelSendInputs> = {}): ChannelSendInputs => ({
  agentRun: runFixture(),
  instance: instanceFixture(withChats),
  policy: undefined,
  ...overrides,
});

describe('planChannelSend', () => {
  it('sends a message for a chat the instance names, under an id unique to the event', () => {
    const plan = planChannelSend(sendEvent(), inputs());
    assert.deepEqual(plan, {
      ok: true,
      planned: {
        identity: { namespace: 'team-a', instance: 'alice', channel: 'telegram' },
        reply: {
          id: 'uid-run-alice-hello:send:3',
          run: 'alice-hello',
          chat: { chatId: '-1001' },
          status: 'succeeded',
          text: 'Backups done.',
        },
      },
    });
  });

  it('keeps the thread, and tells events of one run apart by their seq', () => {
    const plan = planChannelSend({ ...sendEvent({ threadId: '7' }), seq: 12 }, inputs());
    assert.ok(plan.ok);
    assert.deepEqual(plan.planned.reply.chat, { chatId: '-1001', threadId: '7' });
    assert.equal(plan.planned.reply.id, 'uid-run-alice-hello:send:12');
  });

  it('sends under a policy that leaves channel-send on and the tool allowed', () => {
    const policy = policyFixture((p) => void (p.spec.featureGates = { 'channel-send': true }));
    const plan = planChannelSend(
      sendEvent(),
      inputs({ instance: instanceFixture(withChats, withPolicy), policy }),
    );
    assert.equal(plan.ok, true);
  });

  const refusals: {
    name: string;
    reason: ChannelSendRefusal;
    event?: RunEvent;
    inputs: ChannelSendInputs;
  }[] = [
    {
      name: 'the run is gone (or another run has its name)',
      reason: 'RunNotFound',
      inputs: inputs({ agentRun: undefined }),
    },
    { name: 'the instance is gone', reason: 'InstanceNotFound', inputs: inputs({ instance: undefined }) },
    {
      name: 'the run belongs to another instance',
      reason: 'InstanceNotFound',
      inputs: inputs({ agentRun: runFixture((r) => void (r.spec.instanceRef = 'bob')) }),
    },
    {
      name: 'the instance has no such channel',
      reason: 'ChannelNotConfigured',
      event: sendEvent({ channel: 'discord' }),
      inputs: inputs(),
    },
    {
      name: 'the channel names no chats at all',
      reason: 'ChatNotNamed',
      event: sendEvent({ channel: 'slack', chatId: 'C0TEAM' }),
      inputs: inputs(),
    },
    {
      name: 'the chat is not in allowedChats',
      reason: 'ChatNotNamed',
      event: sendEvent({ chatId: '99' }),
      inputs: inputs(),
    },
    {
      name: 'the instance’s policy is missing',
      reason: 'PolicyNotFound',
      inputs: inputs({ instance: instanceFixture(withChats, withPolicy) }),
    },
    {
      name: 'the policy turns channel-send off',
      reason: 'FeatureGateOff',
      inputs: inputs({
        instance: instanceFixture(withChats, withPolicy),
        policy: policyFixture((p) => void (p.spec.featureGates = { 'channel-send': false })),
      }),
    },
    {
      name: 'the policy’s tool gating denies the tool',
      reason: 'ToolNotAllowed',
      inputs: inputs({
        instance: instanceFixture(withChats, withPolicy),
        policy: policyFixture(
          (p) => void (p.spec.toolGating = { rules: [{ tool: 'send_channel_message', action: 'deny' }] }),
        ),
      }),
    },
    {
      name: 'the policy marks the tool ask (no approval flow exists)',
      reason: 'ToolNotAllowed',
      inputs: inputs({
        instance: instanceFixture(withChats, withPolicy),
        policy: policyFixture(
          (p) => void (p.spec.toolGating = { rules: [{ tool: 'send_channel_message', action: 'ask' }] }),
        ),
      }),
    },
    {
      name: 'the run’s own tool policy denies the tool',
      reason: 'ToolNotAllowed',
      inputs: inputs({
        agentRun: runFixture((r) => void (r.spec.toolPolicy = { deny: ['send_channel_message'] })),
      }),
    },
  ];
  for (const refusal of refusals) {
    it(`refuses when ${refusal.name}`, () => {
      const plan = planChannelSend(refusal.event ?? sendEvent(), refusal.inputs);
      assert.equal(plan.ok, false);
      if (plan.ok) return;
      assert.equal(plan.reason, refusal.reason);
      assert.ok(plan.message.length > 0);
    });
  }
});
