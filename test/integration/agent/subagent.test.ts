// spawn_subagent through a whole agent pod: the run's Job (built by buildAgentJob from an instance
// whose policy turns the sub-agents gate on) offers the tool; the model calling it makes the runner
// write a subagent_request event, which the bridge publishes with the run's credentials. The test
// answers as the controller does (a controller credential, a durable consumer of sub-agent
// requests, the answer published into the run's input), and the bridge hands the answer to the
// waiting call, whose result the model reads.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { apiVersion, type ClawPolicy, type RunEvent } from '../../../src/api/index.ts';
import { connectEventBus, controllerPermissions, issueUserCredentials } from '../../../src/eventbus/index.ts';
import type { ModelScript } from '../../fakes/model-server/index.ts';
import { startAgentPod } from '../../harness/agent-pod.ts';
import {
  agentRun,
  answered,
  instance,
  modelKey,
  namespace,
  offeredToolsOf,
  toolResultsOf,
  usePodSuite,
} from './pod-fixtures.ts';

const script: ModelScript = {
  conversations: [
    {
      match: { userContains: 'delegate the count' },
      turns: [
        { toolCalls: [{ name: 'spawn_subagent', arguments: { task: 'Count the files.' } }] },
        { text: 'My helper counted them.' },
      ],
    },
  ],
};

/** The policy the instance names, with the sub-agents gate on. */
function subagentPolicy(): ClawPolicy {
  return {
    apiVersion,
    kind: 'ClawPolicy',
    metadata: { name: 'code-policy', namespace, uid: randomUUID() },
    spec: { featureGates: { 'sub-agents': true } },
  };
}

describe('agent pod: spawn_subagent', { timeout: 120_000 }, () => {
  const suite = usePodSuite(script);

  it("the model's spawn_subagent call gets the answer the controller puts into the run's input", async () => {
    const controller = await connectEventBus({
      url: suite.bus.nats.url,
      name: 'test-controller',
      credentials: await issueUserCredentials(suite.bus.authority, {
        name: 'controller',
        permissions: controllerPermissions(),
      }),
      connectTimeoutMs: 10_000,
    });
    const requests: RunEvent[] = [];
    const stop = new AbortController();
    const consuming = controller.consumeSubagentRequests(
      `subagent-test-${randomUUID().slice(0, 8)}`,
      async (event) => {
        if (event.body.type !== 'subagent_request') return;
        requests.push(event);
        const { requestId } = event.body;
        await controller.publishRunInput(event.identity, {
          id: `subagent-${requestId}`,
          time: new Date().toISOString(),
          text: 'sub-agent run helper succeeded',
          subagent: { requestId, status: 'succeeded', run: 'helper', response: 'There are 42 files.' },
        });
      },
      { signal: stop.signal, retryDelayMs: 100, maxRetryDelayMs: 500 },
    );
    try {
      const requestsBefore = suite.model.requests.length;
      const pod = suite.track(
        await startAgentPod({
          run: agentRun('Please delegate the count of files'),
          instance: instance({ baseURL: `${suite.model.url}/v1`, sandbox: false, skills: false }),
          policy: subagentPolicy(),
          providerKey: modelKey,
          bus: { url: suite.bus.nats.url, authority: suite.bus.authority },
        }),
      );
      const outcome = await pod.finish();
      const logs = pod.logs();
      assert.equal(outcome.result?.status, 'succeeded', logs);
      assert.equal(outcome.result?.response, 'My helper counted them.');

      const modelRequests = answered(suite.model.requests.slice(requestsBefore));
      assert.ok(offeredToolsOf(modelRequests[0]!).includes('spawn_subagent'), logs);
      assert.deepEqual(toolResultsOf(modelRequests[1]!), ['There are 42 files.']);
      assert.equal(requests.length, 1);
      assert.deepEqual(
        requests[0]?.identity,
        pod.identity,
        'stamped by the bridge with the run it belongs to',
      );
      assert.equal(
        requests[0]?.body.type === 'subagent_request' && requests[0].body.task,
        'Count the files.',
      );
    } finally {
      stop.abort();
      await consuming.catch(() => undefined);
      await controller.close();
    }
  });
});
