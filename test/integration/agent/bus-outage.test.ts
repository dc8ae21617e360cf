// The agent pod while the event bus goes away. The runner never depends on the bus: its events and
// result wait in /ipc. When nats-server restarts mid-run, or is back only while the bridge drains
// after the runner exited, everything is published and the completed event arrives exactly once;
// the bridge exits 0. When the bus is down for the whole run, the bridge gives up at its drain
// timeout and exits non-zero, and the termination message carries the result for the controller.
import assert from 'node:assert/strict';
import { readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ModelScript } from '../../fakes/model-server/index.ts';
import { startAgentPod, type AgentPod, type AgentPodSpec } from '../../harness/agent-pod.ts';
import { eventually } from '../../harness/eventually.ts';
import { findFreePort } from '../../harness/free-port.ts';
import { agentRun, codePolicy, instance, modelKey, usePodSuite } from './pod-fixtures.ts';

/** A command that holds the run until the test creates `file` in the workspace. */
const gate = (file: string) => ({
  name: 'execute_command',
  arguments: { command: `while [ ! -e ${file} ]; do sleep 0.05; done; echo passed ${file}` },
});

const script: ModelScript = {
  conversations: [
    {
      match: { userContains: 'two gates' },
      turns: [
        { toolCalls: [gate('gate-1')] },
        { toolCalls: [gate('gate-2')] },
        { text: 'through both gates' },
      ],
    },
    {
      match: { userContains: 'one gate' },
      turns: [{ toolCalls: [gate('gate-1')] }, { text: 'through the gate' }],
    },
    { match: { userContains: 'no bus' }, turns: [{ text: 'answered without a bus' }] },
  ],
};

describe('agent pod: the event bus goes away', { timeout: 180_000 }, () => {
  const suite = usePodSuite(script);

  async function startPod(task: string, extra: Partial<AgentPodSpec> = {}): Promise<AgentPod> {
    const pod = await startAgentPod({
      run: agentRun(task),
      instance: instance({ baseURL: `${suite.model.url}/v1`, skills: false }),
      policy: codePolicy(),
      providerKey: modelKey,
      bus: { url: suite.bus.nats.url, authority: suite.bus.authority },
      ...extra,
    });
    suite.track(pod);
    return pod;
  }

  const eventFiles = async (pod: AgentPod) => {
    const names = await readdir(path.join(pod.paths.ipc, 'events'));
    return {
      pending: names.filter((name) => name.endsWith('.json') && !name.startsWith('.')),
      published: names.filter((name) => name.startsWith('.published-')),
    };
  };
  /** The sandbox has claimed the gate's command: the runner waits on it. */
  const waitingAtGate = (pod: AgentPod) =>
    eventually('the sandbox running the gate command', async () => {
      const names = await readdir(pod.paths.execDir ?? '');
      return names.some((name) => name.endsWith('.run')) ? true : undefined;
    });
  const openGate = (pod: AgentPod, name: string) => writeFile(path.join(pod.paths.workspace, name), '');

  it('nats-server restarted mid-run: events wait, then all arrive; completed exactly once', async () => {
    const pod = await startPod('two gates');
    await waitingAtGate(pod);
    await eventually('the bridge publishing the first events', async () =>
      (await eventFiles(pod)).published.length > 0 ? true : undefined,
    );

    await suite.bus.nats.stop();
    await openGate(pod, 'gate-1');
    // the runner carries on without the bus: its events of the first tool call pile up in /ipc
    await sleep(300);
    await waitingAtGate(pod);
    const during = await eventFiles(pod);
    assert.ok(during.pending.length > 0, `events wait in /ipc while the bus is down\n${pod.logs()}`);

    await suite.bus.nats.restart();
    await eventually(
      'the bridge publishing what waited',
      async () => ((await eventFiles(pod)).pending.length === 0 ? true : undefined),
      30_000,
    );
    await openGate(pod, 'gate-2');
    const outcome = await pod.finish();
    const logs = pod.logs();

    assert.equal(outcome.runner.code, 0, logs);
    assert.equal(outcome.result?.status, 'succeeded');
    assert.equal(outcome.result.response, 'through both gates');
    assert.equal(outcome.bridge.code, 0, logs);
    assert.equal(outcome.bridgeSummary?.drained, true, logs);
    assert.equal(outcome.bridgeSummary.completedPublished, true);
    const completed = await suite.bus.completed.waitFor(pod.identity.runUid, 30_000);
    assert.deepEqual(completed.body, { type: 'completed', result: outcome.result });
    await sleep(1000);
    assert.equal(suite.bus.completed.of(pod.identity.runUid).length, 1, 'exactly one completed event');
  });

  it('bus back only while the bridge drains: the result still arrives once, the bridge exits 0', async () => {
    const pod = await startPod('one gate');
    await waitingAtGate(pod);
    await eventually('the bridge publishing the first events', async () =>
      (await eventFiles(pod)).published.length > 0 ? true : undefined,
    );

    await suite.bus.nats.stop();
    await openGate(pod, 'gate-1');
    const runner = await pod.waitForRunner(30_000);
    assert.equal(runner.code, 0, pod.logs());
    // the kubelet's SIGTERM comes at once; the bus returns during the drain
    const stopping = pod.stopSidecars();
    await sleep(1000);
    await suite.bus.nats.restart();
    await stopping;
    const outcome = await pod.finish();
    const logs = pod.logs();

    assert.equal(outcome.bridge.code, 0, logs);
    assert.equal(outcome.bridgeSummary?.drained, true, logs);
    assert.equal(outcome.result?.status, 'succeeded');
    const completed = await suite.bus.completed.waitFor(pod.identity.runUid, 30_000);
    assert.deepEqual(completed.body, { type: 'completed', result: outcome.result });
    await sleep(1000);
    assert.equal(suite.bus.completed.of(pod.identity.runUid).length, 1, 'exactly one completed event');
  });

  it('bus down for the whole run: the bridge gives up at its drain timeout, the termination message has the result', async () => {
    const nobody = `nats://127.0.0.1:${await findFreePort()}`;
    const drainSeconds = 2;
    const pod = await startPod('no bus', {
      bus: { url: nobody, authority: suite.bus.authority },
      bridgeEnv: { K8SCLAW_DRAIN_TIMEOUT_SECONDS: String(drainSeconds) },
    });
    const runner = await pod.waitForRunner(30_000);
    assert.equal(runner.code, 0, pod.logs());
    const stopAsked = Date.now();
    const bridge = await pod.stopSidecars();
    const stopMs = Date.now() - stopAsked;
    const outcome = await pod.finish();
    const logs = pod.logs();

    assert.notEqual(bridge.code, 0, `the bridge did not drain\n${logs}`);
    assert.equal(bridge.signal, null, 'it exited on its own, not killed at the grace period');
    assert.ok(
      stopMs < (drainSeconds + 3) * 1000,
      `it stopped soon after its drain timeout (${stopMs} ms)\n${logs}`,
    );
    assert.equal(outcome.bridgeSummary?.drained, false);
    assert.equal(outcome.bridgeSummary.completedPublished, false);

    assert.equal(outcome.result?.status, 'succeeded');
    assert.equal(outcome.result.response, 'answered without a bus');
    assert.deepEqual(
      JSON.parse(outcome.terminationMessage ?? 'null'),
      outcome.result,
      "the controller's fallback",
    );
    assert.ok((await eventFiles(pod)).pending.length > 0, 'the events are still in /ipc');
  });
});
