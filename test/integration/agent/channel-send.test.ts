// send_channel_message through a whole agent pod: the run's Job (built by buildAgentJob from an
// instance whose Telegram channel names its chats) gives the runner the chats it may post to; the
// model calling the tool for one of them makes the runner write a channel_message event, which the
// bridge publishes with the run's credentials. A chat the instance does not name is refused in the
// tool, with a message the model reads, and nothing is published for it.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ClawInstance, RunEvent } from '../../../src/api/index.ts';
import { runEventRecorderName } from '../../../src/apiserver/index.ts';
import {
  apiServerInboxPrefix,
  apiServerPermissions,
  connectEventBus,
  issueUserCredentials,
} from '../../../src/eventbus/index.ts';
import type { ModelScript } from '../../fakes/model-server/index.ts';
import { startAgentPod } from '../../harness/agent-pod.ts';
import {
  agentRun,
  answered,
  instance,
  modelKey,
  offeredToolsOf,
  toolResultsOf,
  usePodSuite,
} from './pod-fixtures.ts';

const teamChat = '-1001';

const script: ModelScript = {
  conversations: [
    {
      match: { userContains: 'morning report' },
      turns: [
        {
          toolCalls: [
            {
              name: 'send_channel_message',
              arguments: { channel: 'telegram', chatId: teamChat, text: 'Morning: all green.' },
            },
            {
              name: 'send_channel_message',
              arguments: { channel: 'telegram', chatId: '77', text: 'Not for this chat' },
            },
          ],
        },
        { text: 'Posted the report.' },
      ],
    },
  ],
};

function withTeamChat(base: ClawInstance): ClawInstance {
  base.spec.channels = [
    {
      type: 'telegram',
      secretRef: { name: 'alice-telegram' },
      accessControl: { allowedChats: [teamChat] },
    },
  ];
  return base;
}

describe('agent pod: send_channel_message', { timeout: 120_000 }, () => {
  const suite = usePodSuite(script);

  it('the model posting to a chat the instance names yields one channel_message event', async () => {
    const requestsBefore = suite.model.requests.length;
    const pod = suite.track(
      await startAgentPod({
        // as a schedule creates it: no session key
        run: agentRun('Write the morning report'),
        instance: withTeamChat(
          instance({ baseURL: `${suite.model.url}/v1`, sandbox: false, policy: false, skills: false }),
        ),
        providerKey: modelKey,
        bus: { url: suite.bus.nats.url, authority: suite.bus.authority },
      }),
    );
    const outcome = await pod.finish();
    const logs = pod.logs();
    assert.equal(outcome.result?.status, 'succeeded', logs);
    assert.equal(outcome.result?.response, 'Posted the report.');

    const requests = answered(suite.model.requests.slice(requestsBefore));
    assert.ok(offeredToolsOf(requests[0]!).includes('send_channel_message'), logs);
    assert.deepEqual(toolResultsOf(requests[1]!), [
      `handed over for delivery to telegram chat ${teamChat}`,
      `telegram chat 77 is not one the instance names; chats: telegram ${teamChat}`,
    ]);

    const bus = await connectEventBus({
      url: suite.bus.nats.url,
      name: 'k8sclaw-apiserver',
      inboxPrefix: apiServerInboxPrefix,
      credentials: await issueUserCredentials(suite.bus.authority, {
        name: 'k8sclaw-apiserver',
        permissions: apiServerPermissions(runEventRecorderName),
      }),
      connectTimeoutMs: 10_000,
    });
    const events: RunEvent[] = [];
    try {
      const stop = new AbortController();
      for await (const { value } of bus.followRunEvents(pod.identity, { signal: stop.signal })) {
        events.push(value);
        if (value.body.type === 'completed') break;
      }
    } finally {
      await bus.close();
    }
    const messages = events.filter((event) => event.body.type === 'channel_message');
    assert.deepEqual(
      messages.map((event) => event.body),
      [{ type: 'channel_message', channel: 'telegram', chatId: teamChat, text: 'Morning: all green.' }],
    );
    assert.deepEqual(messages[0]?.identity, pod.identity, 'stamped by the bridge with the run it belongs to');
  });
});
