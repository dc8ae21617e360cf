import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AgentRun, ChannelInboundMessage, RunEvent, RunResult } from '../api/index.ts';
import {
  buildFailureNotice,
  buildRunForChannelMessage,
  channelRunName,
  planChannelReply,
} from './plan-channel-run.ts';

const message: ChannelInboundMessage = {
  id: '-100.77',
  channel: 'telegram',
  namespace: 'team-a',
  instance: 'x'.repeat(42),
  instanceUid: 'uid-instance',
  chat: { chatId: '-100', threadId: '9' },
  messageId: '77',
  sender: { id: '42', name: 'Ada' },
  text: 'What is the time?',
  sentAt: '2026-01-01T00:00:00.000Z',
};
const busId = 'uid-instance:telegram:-100.77';

function completed(result: Partial<RunResult>): RunEvent {
  return {
    id: 'e9',
    seq: 9,
    time: '2026-01-01T00:00:05.000Z',
    identity: { namespace: 'team-a', instance: 'alice', run: 'alice-telegram-1', runUid: 'run-uid-1' },
    body: {
      type: 'completed',
      result: {
        status: 'succeeded',
        usage: { inputTokens: 1, outputTokens: 1 },
        toolCalls: 0,
        memoryUpdates: [],
        ...result,
      },
    },
  } as RunEvent;
}

describe('buildRunForChannelMessage', () => {
  it('names the run from the bus message id, within a DNS label, the same for a redelivery', () => {
    const name = channelRunName(message, busId);
    assert.match(name, /^x{42}-telegram-[0-9a-f]{10}$/);
    assert.ok(name.length <= 63);
    assert.equal(channelRunName(message, busId), name);
    assert.notEqual(channelRunName(message, `${busId}0`), name);
  });

  it('continues the chat thread’s session and keeps where the reply goes', () => {
    const run = buildRunForChannelMessage(message, busId);
    assert.deepEqual(run.spec, {
      instanceRef: message.instance,
      sessionKey: 'telegram:-100:9',
      task: 'What is the time?',
    });
    assert.deepEqual(run.metadata.annotations, {
      'k8sclaw.io/channel': 'telegram',
      'k8sclaw.io/channel-message': busId,
      'k8sclaw.io/channel-chat': '-100',
      'k8sclaw.io/channel-thread': '9',
      'k8sclaw.io/channel-reply-to': '77',
      'k8sclaw.io/requested-by': 'telegram:42',
    });
    const direct = buildRunForChannelMessage({ ...message, chat: { chatId: '42' } }, busId);
    assert.equal(direct.spec.sessionKey, 'telegram:42');
  });
});

describe('planChannelReply', () => {
  const run = buildRunForChannelMessage(message, busId);

  it('sends the answer without memory markers to the chat, thread and message it came from, naming its run', () => {
    const planned = planChannelReply(
      completed({ response: 'It is noon.<!-- memory:append -->asked the time<!-- /memory -->' }),
      run,
    );
    assert.deepEqual(planned, {
      identity: { namespace: 'team-a', instance: 'alice', channel: 'telegram' },
      reply: {
        id: 'run-uid-1',
        run: 'alice-telegram-1',
        chat: { chatId: '-100', threadId: '9' },
        replyToMessageId: '77',
        status: 'succeeded',
        text: 'It is noon.',
      },
    });
  });

  it('tells the chat a run failed without the error itself', () => {
    const planned = planChannelReply(
      completed({
        status: 'failed',
        reason: 'ProviderError',
        error: 'at Object.<anonymous> (/app/x.js:1) key=sk-123',
      }),
      run,
    );
    assert.equal(planned?.reply.status, 'failed');
    assert.equal(planned?.reply.text, buildFailureNotice('ProviderError'));
    assert.doesNotMatch(planned?.reply.text ?? '', /sk-123|x\.js/);
    assert.match(buildFailureNotice('DeadlineExceeded'), /too long/);
  });

  it('sends nothing for runs that did not come from a chat, or whose AgentRun is gone', () => {
    const plain: AgentRun = { ...run, metadata: { ...run.metadata, annotations: {} } };
    assert.equal(planChannelReply(completed({ response: 'x' }), plain), undefined);
    assert.equal(planChannelReply(completed({ response: 'x' }), undefined), undefined);
  });
});
