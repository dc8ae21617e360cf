// Follow-up messages ("run input") through a whole agent pod: a publisher holding the credential
// a channel or the API server gets publishes a RunInput while the run waits in a tool; the bridge
// writes it to /ipc/input, and the runner adds it as a user turn before it would end, so the answer
// to the follow-up becomes the result. Input is delivered only to the run it names (not to another
// run, not to an earlier run of the same name), input queued before the bridge started is kept by
// the stream and delivered, and the input publisher can neither forge run events nor read input.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { AgentRun, RunEvent, RunIdentity, RunInput } from '../../../src/api/index.ts';
import {
  buildRunEventSubject,
  connectEventBus,
  inputPublisherInboxPrefix,
  inputPublisherPermissions,
  isPermissionDenied,
  issueUserCredentials,
  runInputStream,
  type BusError,
  type EventBus,
} from '../../../src/eventbus/index.ts';
import {
  startScriptedModelServer,
  type ModelScript,
  type ScriptedModelServer,
} from '../../fakes/model-server/index.ts';
import { startAgentPod, type AgentPod, type AgentPodOutcome } from '../../harness/agent-pod.ts';
import { eventually } from '../../harness/eventually.ts';
import {
  agentRun,
  answered,
  codePolicy,
  instance,
  modelKey,
  startTestBus,
  toolResultsOf,
  userMessagesOf,
  type TestBus,
} from './pod-fixtures.ts';

const gateFile = 'gate';
const throughGate = 'through the gate';
const followUpAnswer = 'Answering the follow-up: 42.';

/** The first turn holds the run in the sandbox until the test creates the gate file. */
const script: ModelScript = {
  conversations: [
    {
      match: { userContains: 'follow-up' },
      turns: [
        {
          toolCalls: [
            {
              name: 'execute_command',
              arguments: {
                command: `while [ ! -e ${gateFile} ]; do sleep 0.05; done; echo passed the gate`,
              },
            },
          ],
        },
        { text: throughGate },
        { text: followUpAnswer },
      ],
    },
  ],
};

/** The identity the bridge will stamp, known before the pod exists (the instance is `alice`). */
function identityOf(run: AgentRun): RunIdentity {
  const runUid = run.metadata.uid;
  if (!runUid) throw new Error('agentRun() gives every run a uid');
  return { namespace: run.metadata.namespace, instance: 'alice', run: run.metadata.name, runUid };
}

function followUp(text: string): RunInput {
  return { id: randomUUID(), time: new Date().toISOString(), text, sender: 'channel/test' };
}

/** A BusError of code bus.PermissionDenied on a subject starting with `subjectPrefix`. */
function refused(subjectPrefix: string) {
  return (error: unknown) => {
    assert.ok(isPermissionDenied(error), `permission denied, got ${String(error)}`);
    const subject = (error as BusError).subject ?? '';
    assert.ok(subject.startsWith(subjectPrefix), `refused subject ${subject} starts with ${subjectPrefix}`);
    return true;
  };
}

describe('agent pod: follow-up messages', { timeout: 180_000 }, () => {
  let bus: TestBus;
  let model: ScriptedModelServer;
  /** Connected as a channel or the API server is: input publisher credentials. */
  let publisher: EventBus;
  const pods: AgentPod[] = [];

  before(async () => {
    bus = await startTestBus();
    model = await startScriptedModelServer({ script, apiKey: modelKey });
    const credentials = await issueUserCredentials(bus.authority, {
      name: 'channel/follow-up-test',
      permissions: inputPublisherPermissions(),
    });
    publisher = await connectEventBus({
      url: bus.nats.url,
      name: 'channel/follow-up-test',
      credentials,
      inboxPrefix: inputPublisherInboxPrefix,
      connectTimeoutMs: 10_000,
    });
  });
  after(async () => {
    await Promise.allSettled(pods.map((pod) => pod.destroy()));
    await publisher?.close();
    await model?.close();
    await bus?.close();
  });

  async function startPod(run: AgentRun): Promise<AgentPod> {
    const pod = await startAgentPod({
      run,
      instance: instance({ baseURL: `${model.url}/v1`, skills: false }),
      policy: codePolicy(),
      providerKey: modelKey,
      bus: { url: bus.nats.url, authority: bus.authority },
    });
    pods.push(pod);
    return pod;
  }

  /** The sandbox has claimed the gate's command: the runner waits on it. */
  const waitingAtGate = (pod: AgentPod) =>
    eventually(
      'the sandbox running the gate command',
      async () =>
        (await readdir(pod.paths.execDir ?? '')).some((name) => name.endsWith('.run')) ? true : undefined,
      20_000,
      50,
    );
  const openGate = (pod: AgentPod) => writeFile(path.join(pod.paths.workspace, gateFile), '');

  /** The follow-ups the bridge has written to /ipc/input; the runner takes them only at the gate's end. */
  const inputFiles = async (pod: AgentPod): Promise<RunInput[]> => {
    const dir = path.join(pod.paths.ipc, 'input');
    const names = (await readdir(dir)).filter((name) => /^\d+-[0-9a-f-]+\.json$/.test(name)).sort();
    return await Promise.all(
      names.map(async (name) => JSON.parse(await readFile(path.join(dir, name), 'utf8')) as RunInput),
    );
  };
  const delivered = (pod: AgentPod) =>
    eventually(
      'a follow-up in /ipc/input',
      async () => {
        const inputs = await inputFiles(pod);
        return inputs.length > 0 ? inputs : undefined;
      },
      20_000,
      50,
    );

  /** The run answered the follow-up: three model turns, the last one carrying it as a user turn. */
  async function assertAnswered(
    pod: AgentPod,
    outcome: AgentPodOutcome,
    requestsBefore: number,
    input: RunInput,
  ): Promise<void> {
    const logs = pod.logs();
    assert.equal(outcome.runner.code, 0, logs);
    assert.equal(outcome.bridge.code, 0, logs);
    assert.equal(outcome.result?.status, 'succeeded', logs);
    assert.equal(outcome.result.response, followUpAnswer, 'the answer to the follow-up is the result');
    assert.equal(outcome.result.toolCalls, 1);
    assert.equal(outcome.bridgeSummary?.inputsDelivered, 1, logs);

    const requests = answered(model.requests.slice(requestsBefore));
    assert.equal(requests.length, 3, 'the gate, the answer to the task, the answer to the follow-up');
    const [task] = userMessagesOf(requests[0]!);
    assert.ok(task?.includes('follow-up'), 'the first request carries the task');
    assert.deepEqual(userMessagesOf(requests[0]!), [task]);
    assert.deepEqual(userMessagesOf(requests[1]!), [task], 'no follow-up before the tool returned');
    assert.match(toolResultsOf(requests[1]!)[0] ?? '', /passed the gate/);
    assert.deepEqual(userMessagesOf(requests[2]!), [task, input.text], 'the follow-up is a user turn');
    assert.ok(
      JSON.stringify(requests[2]!.body).includes(throughGate),
      'the answer to the task stays in the history',
    );

    assert.deepEqual(await inputFiles(pod), [], 'the runner took the follow-up');
    const completed = await bus.completed.waitFor(pod.identity.runUid);
    assert.deepEqual(completed.body, { type: 'completed', result: outcome.result });
  }

  it('a follow-up published while a tool runs becomes a user turn; its answer is the result', async () => {
    const requestsBefore = model.requests.length;
    const pod = await startPod(agentRun('Run the gate, then wait for a follow-up.'));
    await waitingAtGate(pod);

    const input = followUp('One more thing: what is six times seven?');
    const published = await publisher.publishRunInput(pod.identity, input, { timeoutMs: 10_000 });
    assert.equal(published.duplicate, false);
    assert.deepEqual(await delivered(pod), [input], 'the bridge wrote it to /ipc/input as published');

    await openGate(pod);
    const outcome = await pod.finish({ runnerTimeoutMs: 30_000 });
    await assertAnswered(pod, outcome, requestsBefore, input);
  });

  it('input for another run, or for an earlier run of the same name, is not delivered', async () => {
    const requestsBefore = model.requests.length;
    const run = agentRun('Run the gate; only follow-ups for this run count.');
    const identity = identityOf(run);
    const earlierRun = { ...identity, runUid: randomUUID() };
    const otherRun = { ...identity, run: `${identity.run}-other`, runUid: randomUUID() };
    const strays = ['meant for the earlier run', 'meant for another run'];
    // queued before this run's bridge exists, as an earlier run of the same name would have left it
    await publisher.publishRunInput(earlierRun, followUp(strays[0]!), { timeoutMs: 10_000 });
    await publisher.publishRunInput(otherRun, followUp(strays[1]!), { timeoutMs: 10_000 });

    const pod = await startPod(run);
    assert.deepEqual(pod.identity, identity);
    await waitingAtGate(pod);
    await publisher.publishRunInput(earlierRun, followUp(`${strays[0]!}, again`), { timeoutMs: 10_000 });
    await publisher.publishRunInput(otherRun, followUp(`${strays[1]!}, again`), { timeoutMs: 10_000 });
    const own = followUp('This one is for you: what is six times seven?');
    await publisher.publishRunInput(identity, own, { timeoutMs: 10_000 });
    // the stray inputs on this run's subject come first in the stream: passing them is settled by now
    assert.deepEqual(await delivered(pod), [own], 'only the input addressed to this run');

    await openGate(pod);
    const outcome = await pod.finish({ runnerTimeoutMs: 30_000 });
    await assertAnswered(pod, outcome, requestsBefore, own);
    for (const request of model.requests.slice(requestsBefore)) {
      const body = JSON.stringify(request.body);
      for (const stray of strays) assert.ok(!body.includes(stray), `"${stray}" never reached the model`);
    }
  });

  it('input published before the bridge started is kept by the stream and delivered', async () => {
    const requestsBefore = model.requests.length;
    const run = agentRun('Run the gate; a follow-up is already waiting.');
    const identity = identityOf(run);
    const input = followUp('Queued before the pod: what is six times seven?');
    const published = await publisher.publishRunInput(identity, input, { timeoutMs: 10_000 });
    assert.equal(published.duplicate, false);

    const pod = await startPod(run);
    assert.deepEqual(pod.identity, identity);
    assert.deepEqual(await delivered(pod), [input], 'delivered once the bridge consumes');
    await waitingAtGate(pod);

    await openGate(pod);
    const outcome = await pod.finish({ runnerTimeoutMs: 30_000 });
    await assertAnswered(pod, outcome, requestsBefore, input);
  });

  it('the input publisher credential cannot publish run events or consume run input', async () => {
    const requestsBefore = model.requests.length;
    const pod = await startPod(agentRun('Run the gate while someone tries to forge a follow-up ending.'));
    await waitingAtGate(pod);

    // the message id of the bridge's own completed event: were it accepted, the real one would be a duplicate
    const forged: RunEvent = {
      id: 'completed',
      seq: 99,
      time: new Date().toISOString(),
      identity: pod.identity,
      body: {
        type: 'completed',
        result: {
          status: 'succeeded',
          response: 'forged',
          usage: { input: 0, output: 0 },
          toolCalls: 0,
          memoryUpdates: [],
        },
      },
    };
    await assert.rejects(
      publisher.publishRunEvent(forged, { timeoutMs: 5_000 }),
      refused(buildRunEventSubject(pod.identity, 'completed')),
    );
    await assert.rejects(
      publisher.publishRunEvent(
        { ...forged, id: 'status-forged', seq: 98, body: { type: 'status', message: 'forged' } },
        { timeoutMs: 5_000 },
      ),
      refused(buildRunEventSubject(pod.identity, 'status')),
    );

    const taken: RunInput[] = [];
    const stop = new AbortController();
    try {
      await assert.rejects(
        publisher.consumeRunInput(
          pod.identity,
          async (input) => {
            taken.push(input);
          },
          { signal: stop.signal },
        ),
        refused(`$JS.API.CONSUMER.CREATE.${runInputStream.name}.`),
      );
    } finally {
      stop.abort();
    }

    // refused once, the credential still does its job: the run gets this and answers it
    const input = followUp('Still a follow-up: what is six times seven?');
    await publisher.publishRunInput(pod.identity, input, { timeoutMs: 10_000 });
    assert.deepEqual(await delivered(pod), [input]);
    await openGate(pod);
    const outcome = await pod.finish({ runnerTimeoutMs: 30_000 });
    await assertAnswered(pod, outcome, requestsBefore, input);
    assert.deepEqual(taken, [], 'the publisher read no input');

    // a forged completion would show up within the consumer's ack cycle
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const completions = bus.completed.of(pod.identity.runUid);
    assert.equal(completions.length, 1, 'exactly one completed event: from the bridge');
    assert.deepEqual(completions[0]?.body, { type: 'completed', result: outcome.result });
  });
});
