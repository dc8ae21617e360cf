// Sub-agents through the controller binary, a real nats-server in operator (JWT) mode and the
// integration control plane. No kubelet runs here: the parent's pod is stood in for by the real IPC
// bridge (runBridge, connected with the credentials from the parent's Secret) and the runner's own
// spawn_subagent tool on the same /ipc directory; each child's bridge is the test, connected with
// the child's credentials; the kubelet is the test writing the agent container's terminated state.
// The journey: a spawn creates a child owned by its parent, a second one at maxChildrenPerAgent and
// a grandchild beyond maxDepth are refused with errors the model reads, a redelivered request makes
// no second child, a child's result returns to the waiting tool call, so does the failure of a
// child someone cancels, and a child still running when its parent ends is cancelled. A parent that
// has ended gets no child: a late request is refused, a child created late is cancelled unstarted.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createRunInputs, createSpawnSubagentTool } from '../../../src/agent/index.ts';
import {
  annotations,
  apiVersion,
  labels,
  type AgentRun,
  type RunIdentity,
  type RunInput,
} from '../../../src/api/index.ts';
import {
  accountSignerOf,
  createBusAuthority,
  type BusAuthority,
  type EventBus,
} from '../../../src/eventbus/index.ts';
import { createRunnerIpc, runBridge, type BridgeSummary } from '../../../src/ipc/index.ts';
import { instanceManifest, runManifest } from '../../fixtures/k8sclaw-objects.ts';
import { useControllerSuite } from '../../harness/controller-suite.ts';
import { eventually, settlesWithin } from '../../harness/eventually.ts';
import { integrationKubeconfigPath } from '../../harness/integration.ts';
import { kubectl } from '../../harness/kubectl.ts';
import { startNatsServer, type NatsServer } from '../../harness/nats-server.ts';
import {
  buildCompletedEvent,
  buildRunResult,
  connectRunBridge,
  terminateAgentContainer,
} from '../../harness/run-stand-ins.ts';

const group = { group: 'k8sclaw.io', version: 'v1alpha1' };

describe('sub-agents', { timeout: 240_000 }, () => {
  let authority: BusAuthority;
  let nats: NatsServer | undefined;
  let dir = '';
  before(async () => {
    authority = await createBusAuthority();
    nats = await startNatsServer({ authority });
    dir = await mkdtemp(path.join(os.tmpdir(), 'k8sclaw-subagents-'));
    await writeFile(path.join(dir, 'signer.json'), JSON.stringify(accountSignerOf(authority)), {
      mode: 0o600,
    });
  });
  const suite = useControllerSuite('subagents', {
    withPods: true,
    env: () => ({
      EVENT_BUS_URL: busUrl(),
      K8SCLAW_BUS_ACCOUNT_SIGNER_FILE: path.join(dir, 'signer.json'),
      K8SCLAW_RESULT_GRACE_SECONDS: '3',
    }),
  });
  const { kube } = suite;
  const buses: EventBus[] = [];
  const stopBridge = new AbortController();
  let bridgeDone: Promise<BridgeSummary> | undefined;
  after(async () => {
    stopBridge.abort();
    await bridgeDone?.catch(() => undefined);
    await Promise.all(buses.splice(0).map((bus) => bus.close().catch(() => undefined)));
    await nats?.destroy();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  function busUrl(): string {
    if (!nats) throw new Error('the nats-server is not running');
    return nats.url;
  }
  const namespace = () => suite.namespace;
  const create = (plural: string, body: object) =>
    kube.customObjects.createNamespacedCustomObject({ ...group, namespace: namespace(), plural, body });
  const readRun = async (name: string) =>
    (await kube.customObjects.getNamespacedCustomObject({
      ...group,
      namespace: namespace(),
      plural: 'agentruns',
      name,
    })) as AgentRun;
  const childrenOf = async (parent: string) =>
    (
      (await kube.customObjects.listNamespacedCustomObject({
        ...group,
        namespace: namespace(),
        plural: 'agentruns',
        labelSelector: `${labels.parentRun}=${parent}`,
      })) as { items: AgentRun[] }
    ).items;
  const runWhere = (name: string, what: string, test: (run: AgentRun) => boolean) =>
    eventually(`run ${name}: ${what}`, async () => {
      const run = await readRun(name);
      return test(run) ? run : undefined;
    });
  const identityOf = (run: AgentRun): RunIdentity => ({
    namespace: namespace(),
    instance: run.spec.instanceRef,
    run: run.metadata.name,
    runUid: run.metadata.uid ?? '',
  });
  const connectBridge = async (identity: RunIdentity) => {
    const bus = await connectRunBridge(kube, busUrl(), identity);
    buses.push(bus);
    return bus;
  };
  const admitted = (run: AgentRun) => run.status?.jobName !== undefined;

  it('starts children for a parent, refuses beyond the limits, returns results and stops the rest', async () => {
    await create('clawpolicies', {
      apiVersion,
      kind: 'ClawPolicy',
      metadata: { name: 'team-policy', namespace: namespace() },
      spec: { featureGates: { 'sub-agents': true } },
    });
    await create(
      'clawinstances',
      instanceManifest(
        'team',
        namespace(),
        { subagents: { maxDepth: 1, maxChildrenPerAgent: 1 } },
        { policyRef: 'team-policy' },
      ),
    );
    await create('agentruns', runManifest('lead', namespace(), 'team'));
    const lead = identityOf(await runWhere('lead', 'admitted', admitted));

    // the parent's pod: its bridge on the bus with its own credentials, and its runner's tool
    const ipcDir = path.join(dir, 'lead-ipc');
    const leadBus = await connectBridge(lead);
    bridgeDone = runBridge({
      dir: ipcDir,
      identity: lead,
      sink: { publish: (event) => leadBus.publishRunEvent(event) },
      inputs: {
        consume: (handler, options) => leadBus.consumeRunInput(lead, (input) => handler(input), options),
      },
      signal: stopBridge.signal,
      rescanIntervalMs: 50,
    });
    const ipc = createRunnerIpc({ dir: ipcDir, rescanIntervalMs: 50 });
    const tool = createSpawnSubagentTool(createRunInputs(ipc));
    const deadline = new AbortController();
    const spawn = (task: string) => tool.run({ task }, { signal: deadline.signal });
    /** A tool call's outcome, bounded so a lost answer fails the test instead of hanging it. */
    const answered = <T>(call: Promise<T>, what: string) =>
      settlesWithin(call, 60_000, `${what} (controller log: ${suite.controllers[0]?.process.spec.logFile})`);

    // the first child: owned by its parent, one level deeper, on the parent's instance
    const first = spawn('Count the files in the repository.');
    const [childA] = await eventually('the first child', async () => {
      const children = await childrenOf('lead');
      return children.length > 0 ? children : undefined;
    });
    assert.ok(childA);
    assert.deepEqual(childA.spec.parent, { runName: 'lead', spawnDepth: 1 });
    assert.equal(childA.spec.instanceRef, 'team');
    assert.equal(childA.spec.task, 'Count the files in the repository.');
    assert.deepEqual(
      childA.metadata.ownerReferences?.map((o) => [o.kind, o.name, o.uid]),
      [['AgentRun', 'lead', lead.runUid]],
    );
    const a = identityOf(await runWhere(childA.metadata.name, 'admitted', admitted));

    // the parent has its one child running: a second one is refused, as a tool error
    const refused = await answered(spawn('Summarise the README.'), 'the refusal of a second child');
    assert.equal(refused.isError, true);
    assert.equal(
      refused.content,
      'no sub-agent was started: parent run lead has 1 of at most 1 sub-agent runs running; wait for one to finish',
    );
    await eventually('the refusal recorded as an Event on the parent', async () => {
      const events = await kube.core.listNamespacedEvent({
        namespace: namespace(),
        fieldSelector: 'involvedObject.name=lead,reason=SubagentRefused',
      });
      return events.items.length === 1 ? true : undefined;
    });

    // the child is at maxDepth: its own request is refused, on its input
    const childBus = await connectBridge(a);
    const childInputs: RunInput[] = [];
    const stopChildInputs = new AbortController();
    const consumingChildInputs = childBus.consumeRunInput(
      a,
      (input) => {
        childInputs.push(input);
        return Promise.resolve();
      },
      { signal: stopChildInputs.signal },
    );
    await childBus.publishRunEvent({
      id: 'deeper',
      seq: 1,
      time: new Date().toISOString(),
      identity: a,
      body: { type: 'subagent_request', requestId: 'deeper', task: 'Go one level deeper.' },
    });
    const deeper = await eventually('the answer to the grandchild request', async () => childInputs[0]);
    stopChildInputs.abort();
    await consumingChildInputs;
    assert.equal(deeper.subagent?.status, 'refused');
    assert.match(deeper.subagent.error ?? '', /is at spawn depth 1, the maximum depth 1/);

    // the child's result returns to the parent's waiting tool call
    await childBus.publishRunEvent(buildCompletedEvent(a, { response: 'There are 42 files.' }));
    await terminateAgentContainer(kube, namespace(), a.run, 0);
    assert.deepEqual(await answered(first, "the first child's result"), {
      content: 'There are 42 files.',
      isError: false,
    });

    // with the first child finished there is room for another
    const second = spawn('Review the open pull requests.');
    const childC = await eventually('the second child', async () =>
      (await childrenOf('lead')).find((child) => child.metadata.name !== a.run),
    );
    const c = await runWhere(childC.metadata.name, 'admitted', admitted);
    const requestId = c.metadata.annotations?.[annotations.subagentRequest] ?? '';
    // the same request delivered again (a new event of the parent) makes no second child
    await leadBus.publishRunEvent({
      id: 'again',
      seq: 100,
      time: new Date().toISOString(),
      identity: lead,
      body: { type: 'subagent_request', requestId, task: 'Review the open pull requests.' },
    });
    // a request handled after it is refused (the parent's one child runs): the repeat was handled
    const third = await answered(spawn('One more.'), 'the refusal of a third child');
    assert.match(third.content, /has 1 of at most 1 sub-agent runs running/);
    assert.deepEqual(
      (await childrenOf('lead')).map((child) => child.metadata.name).sort(),
      [a.run, c.metadata.name].sort(),
    );

    const printed = await kubectl(integrationKubeconfigPath(), 'get', 'agentruns', '-n', namespace());
    assert.match(printed.split('\n')[0] ?? '', /\bPARENT\b/);
    assert.match(printed, new RegExp(`${c.metadata.name}\\s.*\\blead\\b`));

    // someone cancels the second child as the API server does: the waiting call gets its failure
    await kube.apply(
      {
        apiVersion,
        kind: 'AgentRun',
        metadata: {
          name: c.metadata.name,
          namespace: namespace(),
          annotations: {
            [annotations.cancelledBy]: 'alice',
            [annotations.cancelledAt]: new Date().toISOString(),
          },
        },
      },
      'k8sclaw-apiserver',
    );
    await kube.batch.deleteNamespacedJob({
      name: c.status?.jobName ?? '',
      namespace: namespace(),
      propagationPolicy: 'Background',
    });
    assert.deepEqual(await answered(second, "the cancelled child's failure"), {
      content: `sub-agent run ${c.metadata.name} failed: cancelled by alice`,
      isError: true,
    });

    // the parent ends while a third child runs: its call gives up, and the child is cancelled
    const last = spawn('Watch the build.');
    const childE = await eventually('the third child', async () =>
      (await childrenOf('lead')).find((child) => ![a.run, c.metadata.name].includes(child.metadata.name)),
    );
    await runWhere(childE.metadata.name, 'admitted', admitted);
    deadline.abort();
    const unanswered = await answered(last, 'the last call giving up');
    assert.equal(unanswered.isError, true);
    assert.match(unanswered.content, /deadline before the sub-agent answered/);
    await ipc.writeResult(buildRunResult({ response: 'Partly done.' }));
    await terminateAgentContainer(kube, namespace(), 'lead', 0);
    await runWhere('lead', 'Succeeded', (run) => run.status?.phase === 'Succeeded');
    const cancelled = await runWhere(childE.metadata.name, 'Failed', (run) => run.status?.phase === 'Failed');
    const completed = cancelled.status?.conditions?.find((condition) => condition.type === 'Completed');
    assert.equal(completed?.reason, 'Cancelled');
    assert.match(completed.message, /cancelled by parent run lead/);
    const finished = await runWhere(a.run, 'Succeeded', (run) => run.status?.phase === 'Succeeded');
    assert.equal(finished.status?.result, 'There are 42 files.');
  });

  it('starts no child for a parent that has ended: a late request is refused, a late child cancelled', async () => {
    await create('clawpolicies', {
      apiVersion,
      kind: 'ClawPolicy',
      metadata: { name: 'late-policy', namespace: namespace() },
      spec: { featureGates: { 'sub-agents': true } },
    });
    await create(
      'clawinstances',
      instanceManifest('late', namespace(), { subagents: { maxDepth: 1 } }, { policyRef: 'late-policy' }),
    );
    await create('agentruns', runManifest('ended', namespace(), 'late'));
    const ended = identityOf(await runWhere('ended', 'admitted', admitted));
    const endedBus = await connectBridge(ended);
    await terminateAgentContainer(kube, namespace(), 'ended', 0);
    const parent = await runWhere('ended', 'Succeeded', (run) => run.status?.phase === 'Succeeded');

    // a spawn request handled after its parent ended is answered with a refusal, and starts nothing
    const inputs: RunInput[] = [];
    const stopInputs = new AbortController();
    const consuming = endedBus.consumeRunInput(
      ended,
      (input) => {
        inputs.push(input);
        return Promise.resolve();
      },
      { signal: stopInputs.signal },
    );
    await endedBus.publishRunEvent({
      id: 'late-request',
      seq: 50,
      time: new Date().toISOString(),
      identity: ended,
      body: { type: 'subagent_request', requestId: 'late', task: 'Too late.' },
    });
    const answer = await eventually('the answer to the late request', async () => inputs[0]);
    stopInputs.abort();
    await consuming;
    assert.equal(answer.subagent?.status, 'refused');
    assert.equal(answer.subagent.error, 'run ended has ended: it starts no more sub-agents');
    assert.deepEqual(await childrenOf('ended'), []);

    // a child that comes into being after its parent ended (the spawn raced the parent's end) never
    // starts: it fails as cancelled, without a Job
    await create('agentruns', {
      ...runManifest('ended-late-child', namespace(), 'late', {
        parent: { runName: 'ended', spawnDepth: 1 },
      }),
      metadata: {
        name: 'ended-late-child',
        namespace: namespace(),
        labels: { [labels.parentRun]: 'ended' },
        ownerReferences: [
          { apiVersion, kind: 'AgentRun', name: 'ended', uid: parent.metadata.uid, controller: true },
        ],
      },
    });
    const cancelled = await runWhere('ended-late-child', 'Failed', (run) => run.status?.phase === 'Failed');
    assert.equal(cancelled.status?.jobName, undefined);
    assert.equal(cancelled.status?.error, 'cancelled by parent run ended, which ended');
    assert.equal(
      cancelled.status?.conditions?.find((condition) => condition.type === 'Completed')?.reason,
      'Cancelled',
    );
    const jobs = await kube.batch.listNamespacedJob({
      namespace: namespace(),
      labelSelector: `${labels.run}=ended-late-child`,
    });
    assert.deepEqual(jobs.items, []);
  });

  it('leaves a child that has answered to finish by itself when its parent ends before its Job does', async () => {
    await create('clawpolicies', {
      apiVersion,
      kind: 'ClawPolicy',
      metadata: { name: 'answered-policy', namespace: namespace() },
      spec: { featureGates: { 'sub-agents': true } },
    });
    await create(
      'clawinstances',
      instanceManifest(
        'answered',
        namespace(),
        { subagents: { maxDepth: 1 } },
        { policyRef: 'answered-policy' },
      ),
    );
    await create('agentruns', runManifest('asker', namespace(), 'answered'));
    const asker = await runWhere('asker', 'admitted', admitted);
    await create('agentruns', {
      ...runManifest('asker-child', namespace(), 'answered', { parent: { runName: 'asker', spawnDepth: 1 } }),
      metadata: {
        name: 'asker-child',
        namespace: namespace(),
        labels: { [labels.parentRun]: 'asker' },
        ownerReferences: [
          { apiVersion, kind: 'AgentRun', name: 'asker', uid: asker.metadata.uid, controller: true },
        ],
      },
    });
    const child = identityOf(await runWhere('asker-child', 'admitted', admitted));
    // the child's result arrives (its parent's call has its answer) while its Job still runs
    const childBus = await connectBridge(child);
    await childBus.publishRunEvent(buildCompletedEvent(child, { response: 'All counted.' }));
    await runWhere(
      'asker-child',
      'result recorded',
      (run) =>
        run.status?.conditions?.some((c) => c.type === 'ResultRecorded' && c.status === 'True') === true,
    );
    // the parent ends first: the reconcile that ends it would stop its unfinished children
    await terminateAgentContainer(kube, namespace(), 'asker', 0);
    await runWhere('asker', 'Succeeded', (run) => run.status?.phase === 'Succeeded');
    // that reconcile is over once the parent's status says so: the child was not marked cancelled
    const after = await readRun('asker-child');
    assert.equal(after.metadata.annotations?.[annotations.cancelledBy], undefined);
    await terminateAgentContainer(kube, namespace(), 'asker-child', 0);
    const finished = await runWhere('asker-child', 'finished', (run) =>
      ['Succeeded', 'Failed'].includes(run.status?.phase ?? ''),
    );
    assert.equal(finished.status?.phase, 'Succeeded', finished.status?.error);
    assert.equal(finished.status?.result, 'All counted.');
    assert.equal(finished.metadata.annotations?.[annotations.cancelledBy], undefined);
  });

  it('admits no more children than the limit when more child objects exist (spawns that raced the count)', async () => {
    await create('clawpolicies', {
      apiVersion,
      kind: 'ClawPolicy',
      metadata: { name: 'burst-policy', namespace: namespace() },
      spec: { featureGates: { 'sub-agents': true } },
    });
    await create(
      'clawinstances',
      instanceManifest(
        'burst',
        namespace(),
        { subagents: { maxDepth: 1, maxChildrenPerAgent: 2, maxConcurrent: 5 } },
        { policyRef: 'burst-policy' },
      ),
    );
    await create('agentruns', runManifest('wide', namespace(), 'burst'));
    const wide = await runWhere('wide', 'admitted', admitted);
    // what two replicas' spawn planners create when both read the count before either's child
    // exists: more children than maxChildrenPerAgent, all at once
    const names = Array.from({ length: 6 }, (_, i) => `wide-child-${i}`);
    await Promise.all(
      names.map((name) =>
        create('agentruns', {
          ...runManifest(name, namespace(), 'burst', { parent: { runName: 'wide', spawnDepth: 1 } }),
          metadata: {
            name,
            namespace: namespace(),
            labels: { [labels.parentRun]: 'wide' },
            ownerReferences: [
              { apiVersion, kind: 'AgentRun', name: 'wide', uid: wide.metadata.uid, controller: true },
            ],
          },
        }),
      ),
    );
    const decided = await eventually('every child admitted or waiting', async () => {
      const children = await childrenOf('wide');
      const waiting = children.filter(
        (child) =>
          child.status?.conditions?.find((condition) => condition.type === 'Scheduled')?.reason ===
          'WaitingForCapacity',
      );
      return children.length === names.length && children.every((c) => admitted(c) || waiting.includes(c))
        ? children
        : undefined;
    });
    assert.equal(decided.filter(admitted).length, 2, JSON.stringify(decided.map((c) => c.status)));
    const jobsOfChildren = (
      await kube.batch.listNamespacedJob({ namespace: namespace(), labelSelector: labels.run })
    ).items.filter((job) => names.includes(job.metadata?.labels?.[labels.run] ?? ''));
    assert.equal(jobsOfChildren.length, 2);

    // one child finishes: one waiting child takes its place, and two run again
    const [done] = decided.filter(admitted);
    assert.ok(done);
    await terminateAgentContainer(kube, namespace(), done.metadata.name, 0);
    const next = await eventually('a waiting child admitted in its place', async () => {
      const children = await childrenOf('wide');
      const running = children.filter((c) => admitted(c) && c.status?.phase !== 'Succeeded');
      const finishedOne = children.some(
        (c) => c.metadata.name === done.metadata.name && c.status?.phase === 'Succeeded',
      );
      return finishedOne && running.length === 2 ? running : undefined;
    });
    assert.equal(next.length, 2);
    assert.equal((await childrenOf('wide')).filter(admitted).length, 3);
  });
});
