import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AgentRun, ChannelReplyReceipt, Condition } from '../api/index.ts';
import { planReplyDeliveredCondition } from './plan-reply-delivered.ts';

const now = new Date('2026-11-30T15:00:00.000Z');
const earlier = '2026-11-30T14:00:00.000Z';

const receipt = (overrides: Partial<ChannelReplyReceipt> = {}): ChannelReplyReceipt => ({
  id: 'uid-1',
  run: 'claw-telegram-0a1b2c3d4e',
  channel: 'telegram',
  namespace: 'team-a',
  instance: 'claw',
  outcome: 'delivered',
  parts: 1,
  attempts: 1,
  deliveries: 1,
  at: now.toISOString(),
  ...overrides,
});

const run = (conditions?: Condition[], annotations = { 'k8sclaw.io/channel': 'telegram' }): AgentRun =>
  ({
    apiVersion: 'k8sclaw.io/v1alpha1',
    kind: 'AgentRun',
    metadata: {
      name: 'claw-telegram-0a1b2c3d4e',
      namespace: 'team-a',
      uid: 'uid-1',
      generation: 1,
      annotations,
    },
    spec: { instanceRef: 'claw', task: 'Hi', sessionKey: 'telegram:42' },
    ...(conditions ? { status: { conditions } } : {}),
  }) as AgentRun;

describe('planReplyDeliveredCondition', () => {
  it('sets ReplyDelivered True with a Normal Event when the service took the reply, on an empty status', () => {
    assert.deepEqual(planReplyDeliveredCondition(receipt({ parts: 2, attempts: 3 }), run(), now), {
      action: 'apply',
      condition: {
        type: 'ReplyDelivered',
        status: 'True',
        reason: 'Delivered',
        message: 'Delivered to telegram in 2 messages (3 attempts).',
        lastTransitionTime: now.toISOString(),
        observedGeneration: 1,
      },
      event: {
        type: 'Normal',
        reason: 'ReplyDelivered',
        message: 'Delivered to telegram in 2 messages (3 attempts).',
      },
    });
  });

  it('sets ReplyDelivered False, Refused, with the reason and a Warning Event when the service refused it', () => {
    const plan = planReplyDeliveredCondition(
      receipt({ outcome: 'refused', parts: 0, reason: 'Telegram refused a reply: 403 Forbidden' }),
      run(),
      now,
    );
    assert.equal(plan.action, 'apply');
    if (plan.action !== 'apply') return;
    assert.equal(plan.condition.status, 'False');
    assert.equal(plan.condition.reason, 'Refused');
    assert.equal(
      plan.condition.message,
      'telegram refused the reply for good after 0 messages it took: Telegram refused a reply: 403 Forbidden',
    );
    assert.deepEqual(
      { type: plan.event.type, reason: plan.event.reason },
      { type: 'Warning', reason: 'ReplyRefused' },
    );
  });

  it('sets ReplyDelivered False, Undeliverable, saying how often the bus handed it over', () => {
    const plan = planReplyDeliveredCondition(
      receipt({ outcome: 'undeliverable', parts: 1, deliveries: 20, reason: 'Telegram unreachable' }),
      run(),
      now,
    );
    assert.equal(plan.action, 'apply');
    if (plan.action !== 'apply') return;
    assert.equal(plan.condition.reason, 'Undeliverable');
    assert.equal(
      plan.condition.message,
      'Not delivered to telegram after 20 deliveries from the event bus (1 message taken): Telegram unreachable',
    );
    assert.equal(plan.event.type, 'Warning');
  });

  it('drops a receipt whose run is gone, replaced, or not a run of the receipt’s channel', () => {
    assert.deepEqual(planReplyDeliveredCondition(receipt(), undefined, now), {
      action: 'drop',
      why: 'run-gone',
    });
    assert.deepEqual(planReplyDeliveredCondition(receipt({ id: 'uid-of-an-earlier-run' }), run(), now), {
      action: 'drop',
      why: 'another-run',
    });
    for (const other of [
      receipt({ channel: 'slack' }),
      receipt({ instance: 'other' }),
      receipt({ namespace: 'team-b' }),
    ]) {
      assert.deepEqual(planReplyDeliveredCondition(other, run(), now), {
        action: 'drop',
        why: 'another-channel',
      });
    }
    // a run that did not come from a chat has no receipts
    assert.deepEqual(planReplyDeliveredCondition(receipt(), run(undefined, {} as never), now), {
      action: 'drop',
      why: 'another-channel',
    });
  });

  it('records a message the run posted itself (send_channel_message), from any channel of its instance', () => {
    const scheduled = run(undefined, {} as never);
    const plan = planReplyDeliveredCondition(
      receipt({ id: 'uid-1:send:3', channel: 'slack' }),
      scheduled,
      now,
    );
    assert.equal(plan.action, 'apply');
    assert.deepEqual(planReplyDeliveredCondition(receipt({ id: 'uid-2:send:3' }), scheduled, now), {
      action: 'drop',
      why: 'another-run',
    });
    assert.deepEqual(
      planReplyDeliveredCondition(receipt({ id: 'uid-1:send:3', instance: 'other' }), scheduled, now),
      { action: 'drop', why: 'another-channel' },
    );
  });

  it('changes nothing when the run already says the same (a receipt handled again)', () => {
    const first = planReplyDeliveredCondition(receipt(), run(), now);
    assert.equal(first.action, 'apply');
    if (first.action !== 'apply') return;
    assert.deepEqual(planReplyDeliveredCondition(receipt(), run([first.condition]), now), {
      action: 'unchanged',
    });
  });

  it('keeps the transition time while the status stays, and moves it when the status flips', () => {
    const previous: Condition = {
      type: 'ReplyDelivered',
      status: 'False',
      reason: 'Undeliverable',
      message: 'older',
      lastTransitionTime: earlier,
    };
    const same = planReplyDeliveredCondition(
      receipt({ outcome: 'refused', reason: 'no' }),
      run([previous]),
      now,
    );
    assert.equal(same.action === 'apply' && same.condition.lastTransitionTime, earlier);
    const flipped = planReplyDeliveredCondition(receipt(), run([previous]), now);
    assert.equal(flipped.action === 'apply' && flipped.condition.lastTransitionTime, now.toISOString());
  });
});
