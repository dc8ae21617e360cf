// Run results through the controller binary against a real nats-server in operator (JWT) mode: each
// run's own bus credentials, completions consumed from the bus and recorded once (status and
// memory), the termination-message fallback, and restarts of the controller and of the bus. No
// kubelet runs here: the test is the run's IPC bridge (with the credentials from the run's Secret)
// and the kubelet (it writes the agent container's terminated state into the pod's status, and the
// real Job controller finishes the Job from it).
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import { apiVersion, type AgentRun, type RunIdentity } from '../../../src/api/index.ts';
import {
  accountSignerOf,
  createBusAuthority,
  isPermissionDenied,
  issueUserCredentials,
  runBridgePermissions,
  type BusAuthority,
  type EventBus,
} from '../../../src/eventbus/index.ts';
import { instanceManifest, runManifest } from '../../fixtures/k8sclaw-objects.ts';
import { useControllerSuite } from '../../harness/controller-suite.ts';
import {
  buildCompletedEvent,
  buildRunResult,
  connectAsBridge,
  connectRunBridge,
  readHandledCompletions,
  terminateAgentContainer,
} from '../../harness/run-stand-ins.ts';
import { eventually } from '../../harness/eventually.ts';
import { startNatsServer, type NatsServer } from '../../harness/nats-server.ts';

const group = { group: 'k8sclaw.io', version: 'v1alpha1' };
const graceSeconds = 3;
const resultManager = 'k8sclaw-controller/agentrun-result';
const reconcilerManager = 'k8sclaw-controller/agentrun';

/** What a controller logs for each completion it took from the bus. */
interface Handled {
  recorded: boolean;
  why?: string;
}

const occurrences = (text: string, part: string) => text.split(part).length - 1;

describe('AgentRun results', () => {
  let authority: BusAuthority;
  let nats: NatsServer | undefined;
  let dir = '';
  before(async () => {
    authority = await createBusAuthority();
    nats = await startNatsServer({ authority });
    dir = await mkdtemp(path.join(os.tmpdir(), 'k8sclaw-run-results-'));
    await writeFile(path.join(dir, 'signer.json'), JSON.stringify(accountSignerOf(authority)), {
      mode: 0o600,
    });
  });
  const suite = useControllerSuite('run-results', {
    withPods: true,
    env: () => ({
      EVENT_BUS_URL: busUrl(),
      K8SCLAW_BUS_ACCOUNT_SIGNER_FILE: path.join(dir, 'signer.json'),
      K8SCLAW_RESULT_GRACE_SECONDS: String(graceSeconds),
    }),
  });
  const { kube } = suite;
  const buses: EventBus[] = [];
  afterEach(async () => {
    await Promise.all(buses.splice(0).map((bus) => bus.close().catch(() => undefined)));
  });
  after(async () => {
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
  const condition = (run: AgentRun, type: string) => run.status?.conditions?.find((c) => c.type === type);
  const readMemory = async (instanceName: string) =>
    (await kube.core.readNamespacedConfigMap({ name: `${instanceName}-memory`, namespace: namespace() }))
      .data?.['MEMORY.md'] ?? '';

  /** An instance with memory, bound to a policy that sets the memory-write gate. */
  async function instance(name: string, options: { memoryWrite?: boolean; maxSizeKB?: number } = {}) {
    await create('clawpolicies', {
      apiVersion,
      kind: 'ClawPolicy',
      metadata: { name: `${name}-policy`, namespace: namespace() },
      spec: { featureGates: { 'memory-write': options.memoryWrite ?? true } },
    });
    await create(
      'clawinstances',
      instanceManifest(
        name,
        namespace(),
        {},
        {
          policyRef: `${name}-policy`,
          memory: { enabled: true, ...(options.maxSizeKB ? { maxSizeKB: options.maxSizeKB } : {}) },
        },
      ),
    );
    await eventually(`the memory ConfigMap of ${name}`, async () =>
      (await readMemory(name)).startsWith(`# Memory of ${name}`) ? true : undefined,
    );
  }

  /** Creates a run and waits for its Job; returns the identity its bridge stamps on events. */
  async function startRun(name: string, instanceName: string): Promise<RunIdentity> {
    await create('agentruns', runManifest(name, namespace(), instanceName));
    const run = await eventually(`the Job of ${name}`, async () => {
      const current = await readRun(name);
      return current.status?.jobName ? current : undefined;
    });
    const runUid = run.metadata.uid;
    assert.ok(runUid);
    return { namespace: namespace(), instance: instanceName, run: name, runUid };
  }

  async function connectAs(credentials: string, identity: RunIdentity): Promise<EventBus> {
    const bus = await connectAsBridge(busUrl(), credentials, identity);
    buses.push(bus);
    return bus;
  }

  /** Connects as the run's IPC bridge would: with the credentials from the run's Secret. */
  async function connectBridge(identity: RunIdentity): Promise<EventBus> {
    const bus = await connectRunBridge(kube, busUrl(), identity);
    buses.push(bus);
    return bus;
  }

  const runResult = buildRunResult;
  const completedEvent = buildCompletedEvent;
  const terminateAgent = (runName: string, exitCode: number, message?: string) =>
    terminateAgentContainer(kube, namespace(), runName, exitCode, message);

  const runWhere = (name: string, what: string, test: (run: AgentRun) => boolean, timeoutMs = 30_000) =>
    eventually(
      `run ${name}: ${what}`,
      async () => {
        const run = await readRun(name);
        return test(run) ? run : undefined;
      },
      timeoutMs,
      100,
    );
  const resultRecorded = (run: AgentRun) => condition(run, 'ResultRecorded')?.status === 'True';

  /** Every completion of `runName` the controllers took from the bus (each one's in its order). */
  const handledCompletions = (runName: string): Handled[] =>
    readHandledCompletions(suite.controllers.map((c) => c.process.spec.logFile))
      .filter((handled) => handled.namespace === namespace() && handled.run === runName)
      .map(({ recorded, why }) => ({ recorded, ...(why !== undefined ? { why } : {}) }));

  it('gives a run its own bus credentials and records the result its bridge publishes', async () => {
    await instance('alice');
    const identity = await startRun('hello', 'alice');

    const secret = await kube.core.readNamespacedSecret({
      name: 'agentrun-hello-bus',
      namespace: namespace(),
    });
    const owner = secret.metadata?.ownerReferences?.[0];
    assert.equal(owner?.kind, 'AgentRun');
    assert.equal(owner.uid, identity.runUid);
    assert.equal(owner.controller, true);
    assert.deepEqual(Object.keys(secret.data ?? {}), ['bus.creds']);
    const job = await kube.batch.readNamespacedJob({ name: 'agentrun-hello', namespace: namespace() });
    const pod = job.spec?.template.spec;
    const volume = pod?.volumes?.find((v) => v.secret?.secretName === 'agentrun-hello-bus');
    assert.ok(volume, 'the Job has a volume of the Secret');
    const bridge = pod?.initContainers?.find((c) => c.name === 'ipc-bridge');
    assert.ok(bridge?.volumeMounts?.some((m) => m.name === volume.name && m.readOnly === true));
    for (const container of pod?.containers ?? []) {
      assert.ok(
        !container.volumeMounts?.some((m) => m.name === volume.name),
        `${container.name} has no creds`,
      );
    }

    const bus = await connectBridge(identity);
    const published = await bus.publishRunEvent(
      completedEvent(identity, {
        response:
          'The deploy is green.\n\n<!-- memory:append -->\nAlice deploys on Fridays.\n<!-- /memory -->\n',
        memoryUpdates: ['Alice prefers short answers.'],
        usage: { input: 1200, output: 345 },
        toolCalls: 3,
      }),
    );
    assert.equal(published.duplicate, false);
    await terminateAgent('hello', 0);

    const done = await runWhere('hello', 'Succeeded', (r) => r.status?.phase === 'Succeeded');
    assert.equal(done.status?.result, 'The deploy is green.');
    assert.deepEqual(done.status?.tokenUsage, { input: 1200, output: 345 });
    assert.equal(done.status?.toolCalls, 3);
    const recorded = condition(done, 'ResultRecorded');
    assert.equal(recorded?.status, 'True');
    assert.equal(recorded.reason, 'Succeeded');
    assert.match(recorded.message, /event bus/);
    assert.equal(condition(done, 'Completed')?.reason, 'Succeeded');
    const memory = await readMemory('alice');
    assert.equal(occurrences(memory, '- Alice prefers short answers.\n'), 1, memory);
    assert.equal(occurrences(memory, '- Alice deploys on Fridays.\n'), 1, memory);

    // each writer owns its own fields of the status: the reconciler never takes over the result
    const { managedFields } = done.metadata as { managedFields?: { manager?: string; fieldsV1?: object }[] };
    const fieldsOf = (manager: string) =>
      JSON.stringify(managedFields?.find((f) => f.manager === manager)?.fieldsV1 ?? {});
    assert.match(fieldsOf(resultManager), /"f:result"/);
    assert.match(fieldsOf(resultManager), /"k:\{\\"type\\":\\"ResultRecorded\\"\}"/);
    assert.doesNotMatch(fieldsOf(resultManager), /"f:phase"/);
    assert.match(fieldsOf(reconcilerManager), /"f:phase"/);
    assert.doesNotMatch(fieldsOf(reconcilerManager), /"f:result"|"f:tokenUsage"|ResultRecorded/);
  });

  it("confines a run's credentials to its own run and ignores another run's completion", async () => {
    const own = await startRun('own-a', 'alice');
    const other = await startRun('own-b', 'alice');
    const bus = await connectBridge(own);
    await assert.rejects(
      bus.publishRunEvent(completedEvent(other, { response: 'forged' })),
      (error: unknown) => isPermissionDenied(error),
    );

    // an earlier run of the same name (another uid) still has a bridge: its subjects are the same
    const earlier = { ...other, runUid: randomUUID() };
    const credentials = await issueUserCredentials(authority, {
      name: 'ipc-bridge/earlier',
      permissions: runBridgePermissions(earlier),
    });
    const earlierBus = await connectAs(credentials, earlier);
    await earlierBus.publishRunEvent(completedEvent(earlier, { response: 'an answer of the earlier run' }));
    await eventually('the earlier run’s completion to be handled', async () =>
      handledCompletions('own-b').some((h) => h.why === 'other-run') ? true : undefined,
    );
    const unchanged = await readRun('own-b');
    assert.equal(unchanged.status?.result, undefined);
    assert.equal(unchanged.status?.tokenUsage, undefined);
    assert.equal(condition(unchanged, 'ResultRecorded'), undefined);

    const ownBus = await connectBridge(other);
    await ownBus.publishRunEvent(completedEvent(other, { response: 'the answer of own-b' }));
    const recorded = await runWhere('own-b', 'result recorded', resultRecorded);
    assert.equal(recorded.status?.result, 'the answer of own-b');
  });

  it('records a result once however often its completion arrives', async () => {
    const identity = await startRun('twice', 'alice');
    const bus = await connectBridge(identity);
    const first = completedEvent(identity, {
      response: 'first answer <!-- memory:append -->Alice uses Postgres 16.<!-- /memory -->',
      memoryUpdates: ['Alice is on call this week.'],
      usage: { input: 1, output: 1 },
    });
    assert.equal((await bus.publishRunEvent(first)).duplicate, false);
    assert.equal((await bus.publishRunEvent(first)).duplicate, true);
    await bus.publishRunEvent(
      completedEvent(
        identity,
        {
          response: 'second answer',
          memoryUpdates: ['Alice is on call this week.', 'Alice moved to Berlin.'],
          usage: { input: 2, output: 2 },
        },
        'completed-again',
      ),
    );
    await eventually('both completions to be handled', async () =>
      handledCompletions('twice').length >= 2 ? true : undefined,
    );
    assert.deepEqual(
      handledCompletions('twice').map((h) => (h.recorded ? 'recorded' : h.why)),
      ['recorded', 'already-recorded'],
    );
    const run = await readRun('twice');
    assert.equal(run.status?.result, 'first answer');
    assert.deepEqual(run.status?.tokenUsage, { input: 1, output: 1 });
    const memory = await readMemory('alice');
    assert.equal(occurrences(memory, '- Alice is on call this week.\n'), 1, memory);
    assert.equal(occurrences(memory, '- Alice uses Postgres 16.\n'), 1, memory);
    assert.ok(!memory.includes('Berlin'), memory);
    const counted = (outcome: string) =>
      Promise.all(suite.controllers.map((c) => c.metrics())).then((texts) =>
        texts.some((text) =>
          new RegExp(
            `^k8sclaw_run_results_total\\{source="event-bus",outcome="${outcome}"\\} [1-9]`,
            'm',
          ).test(text),
        ),
      );
    assert.ok(await counted('recorded'), 'the recorded result is counted');
    assert.ok(await counted('already-recorded'), 'the second completion is counted');
  });

  it('records a completion published while the controller was down once it is back', async () => {
    const identity = await startRun('restart', 'alice');
    const running = suite.controllers.filter((c) => !c.process.exited);
    for (const controller of running) controller.kill();
    await eventually('the controller to be gone', async () =>
      running.every((c) => c.process.exited) ? true : undefined,
    );

    const bus = await connectBridge(identity);
    await bus.publishRunEvent(
      completedEvent(identity, {
        response: 'answered while nobody listened',
        memoryUpdates: ['Alice survived a controller restart.'],
      }),
    );
    await terminateAgent('restart', 0);
    await suite.addReplica('successor');

    const done = await runWhere(
      'restart',
      'Succeeded with its result',
      (r) => r.status?.phase === 'Succeeded' && resultRecorded(r),
      60_000,
    );
    assert.equal(done.status?.result, 'answered while nobody listened');
    assert.match(condition(done, 'ResultRecorded')?.message ?? '', /event bus/);
    assert.equal(handledCompletions('restart').filter((h) => h.recorded).length, 1);
    const memory = await readMemory('alice');
    assert.equal(occurrences(memory, '- Alice survived a controller restart.\n'), 1, memory);
  });

  it('keeps recording results after the event bus restarts', async () => {
    const identity = await startRun('bus-restart', 'alice');
    await nats?.restart();
    const bus = await connectBridge(identity);
    await bus.publishRunEvent(completedEvent(identity, { response: 'sent after the bus came back' }));
    const recorded = await runWhere('bus-restart', 'result recorded', resultRecorded, 60_000);
    assert.equal(recorded.status?.result, 'sent after the bus came back');
  });

  it('falls back to the termination message when the bus never delivers a result', async () => {
    await instance('bob');
    await startRun('lost-json', 'bob');
    await startRun('lost-text', 'bob');
    const error = 'the provider refused the API key (HTTP 401)';
    await terminateAgent(
      'lost-json',
      1,
      JSON.stringify({
        status: 'failed',
        error,
        reason: 'ProviderUnauthorized',
        usage: { input: 10, output: 0 },
        toolCalls: 0,
        memoryUpdates: [],
      }),
    );
    await terminateAgent('lost-text', 137, 'Error: out of memory\n    at main (runner.js:1:1)\n');

    const waiting = await runWhere(
      'lost-json',
      'waiting for its result',
      (r) => condition(r, 'Running')?.reason === 'WaitingForResult',
    );
    assert.equal(waiting.status?.phase, 'Running');
    assert.equal(condition(waiting, 'ResultRecorded'), undefined);

    const failed = await runWhere('lost-json', 'Failed', (r) => r.status?.phase === 'Failed');
    assert.equal(failed.status?.error, error);
    assert.equal(failed.status?.exitCode, 1);
    assert.equal(condition(failed, 'Completed')?.reason, 'ProviderUnauthorized');
    const recorded = condition(failed, 'ResultRecorded');
    assert.equal(recorded?.status, 'True');
    assert.equal(recorded.reason, 'ProviderUnauthorized');
    assert.equal(recorded.message, error);
    assert.deepEqual(failed.status?.tokenUsage, { input: 10, output: 0 });

    const crashed = await runWhere('lost-text', 'Failed', (r) => r.status?.phase === 'Failed');
    assert.equal(crashed.status?.error, 'Error: out of memory\n    at main (runner.js:1:1)');
    assert.equal(crashed.status?.exitCode, 137);
    assert.equal(condition(crashed, 'Completed')?.reason, 'Failed');
    assert.equal(condition(crashed, 'ResultRecorded'), undefined);
    assert.equal(crashed.status?.result, undefined);
  });

  it('lands the memory of runs that finish together, each entry once', async () => {
    await instance('erin');
    const names = ['erin-1', 'erin-2', 'erin-3', 'erin-4', 'erin-5', 'erin-6'];
    const identities = await Promise.all(names.map((name) => startRun(name, 'erin')));
    const fact = (name: string) => `Run ${name} learned something of its own.`;
    // the Jobs finish together, so their grace periods end together and the reconciler's workers
    // write the instance's memory at the same time (the losers of a write retry it)
    await Promise.all(
      identities.map(async (identity, i) => {
        const result = { response: `done ${identity.run}`, memoryUpdates: [fact(identity.run)] };
        if (i < 2) {
          const bus = await connectBridge(identity);
          await bus.publishRunEvent(completedEvent(identity, result));
        }
        await terminateAgent(identity.run, 0, i < 2 ? undefined : JSON.stringify(runResult(result)));
      }),
    );
    for (const name of names) {
      const done = await runWhere(
        name,
        'Succeeded with its result',
        (r) => r.status?.phase === 'Succeeded' && resultRecorded(r),
      );
      assert.equal(done.status?.result, `done ${name}`);
    }
    const memory = await readMemory('erin');
    for (const name of names) assert.equal(occurrences(memory, `- ${fact(name)}\n`), 1, memory);
  });

  it('drops the oldest memory entries to stay within maxSizeKB', async () => {
    await instance('frank', { maxSizeKB: 1 });
    const facts = [1, 2, 3].map((i) => `Fact ${i}: ${String(i).repeat(380)}`);
    for (const [i, fact] of facts.entries()) {
      const identity = await startRun(`frank-${i}`, 'frank');
      const bus = await connectBridge(identity);
      await bus.publishRunEvent(completedEvent(identity, { memoryUpdates: [fact] }));
      await runWhere(identity.run, 'result recorded', resultRecorded);
    }
    const memory = await readMemory('frank');
    assert.ok(Buffer.byteLength(memory) <= 1024, `${Buffer.byteLength(memory)} bytes`);
    assert.ok(memory.startsWith('# Memory of frank\n'), memory);
    assert.ok(!memory.includes(facts[0] ?? ''), 'the oldest entry is dropped');
    for (const fact of facts.slice(1)) assert.equal(occurrences(memory, `- ${fact}\n`), 1);
  });

  it('records the result but no memory when the policy turns memory-write off', async () => {
    await instance('gina', { memoryWrite: false });
    const identity = await startRun('no-memory', 'gina');
    const bus = await connectBridge(identity);
    await bus.publishRunEvent(
      completedEvent(identity, {
        response: 'Noted. <!-- memory:append -->Gina likes tea.<!-- /memory -->',
        memoryUpdates: ['Gina works nights.'],
      }),
    );
    const recorded = await runWhere('no-memory', 'result recorded', resultRecorded);
    assert.equal(recorded.status?.result, 'Noted.');
    assert.equal(await readMemory('gina'), '# Memory of gina\n');
  });

  it("never mounts nor writes a memory ConfigMap of the same name that is someone else's", async () => {
    const userData = { 'MEMORY.md': 'the user keeps this\n', other: 'untouched' };
    await kube.core.createNamespacedConfigMap({
      namespace: namespace(),
      body: { metadata: { name: 'ivy-memory' }, data: userData },
    });
    await create('clawpolicies', {
      apiVersion,
      kind: 'ClawPolicy',
      metadata: { name: 'ivy-policy', namespace: namespace() },
      spec: { featureGates: { 'memory-write': true } },
    });
    await create(
      'clawinstances',
      instanceManifest('ivy', namespace(), {}, { policyRef: 'ivy-policy', memory: { enabled: true } }),
    );
    await eventually('the instance to report the ConfigMap as not its own', async () => {
      const instance = (await kube.customObjects.getNamespacedCustomObject({
        ...group,
        namespace: namespace(),
        plural: 'clawinstances',
        name: 'ivy',
      })) as { status?: { conditions?: { type: string; reason?: string }[] } };
      const memoryReady = instance.status?.conditions?.find((c) => c.type === 'MemoryReady');
      return memoryReady?.reason === 'ConfigMapNotOwned' ? true : undefined;
    });
    const identity = await startRun('ivy-1', 'ivy');
    const job = await kube.batch.readNamespacedJob({ name: 'agentrun-ivy-1', namespace: namespace() });
    const volumes = job.spec?.template.spec?.volumes ?? [];
    assert.equal(
      volumes.some((v) => v.configMap?.name === 'ivy-memory'),
      false,
      JSON.stringify(volumes),
    );
    const bus = await connectBridge(identity);
    await bus.publishRunEvent(completedEvent(identity, { memoryUpdates: ['Ivy was here.'] }));
    await runWhere('ivy-1', 'result recorded', resultRecorded);
    const configMap = await kube.core.readNamespacedConfigMap({ name: 'ivy-memory', namespace: namespace() });
    assert.deepEqual(configMap.data, userData);
  });

  it('records a run once when two replicas race with two different completions of it', async () => {
    await suite.addReplica('racer');
    await instance('hank');
    const names = ['race-1', 'race-2', 'race-3', 'race-4'];
    const identities = await Promise.all(names.map((name) => startRun(name, 'hank')));
    const answers = [
      { id: 'completed', response: 'one', usage: { input: 1, output: 1 } },
      { id: 'completed-again', response: 'two', usage: { input: 2, output: 2 } },
    ];
    // back to back, the two completions of a run go to different replicas' pulls and are recorded
    // at the same time
    await Promise.all(
      identities.map(async (identity) => {
        const bus = await connectBridge(identity);
        await Promise.all(
          answers.map(({ id, ...answer }) =>
            bus.publishRunEvent(
              completedEvent(
                identity,
                { ...answer, memoryUpdates: [`${identity.run} answered ${answer.response}.`] },
                id,
              ),
            ),
          ),
        );
      }),
    );
    for (const name of names) {
      await eventually(`both completions of ${name} to be handled`, async () =>
        handledCompletions(name).length >= 2 ? true : undefined,
      );
      const handled = handledCompletions(name);
      assert.equal(handled.filter((h) => h.recorded).length, 1, JSON.stringify(handled));
      assert.ok(
        handled.some((h) => h.why === 'already-recorded'),
        JSON.stringify(handled),
      );
      const run = await readRun(name);
      const answer = answers.find((a) => a.response === run.status?.result);
      assert.ok(answer, `${name} holds one of its answers`);
      assert.deepEqual(run.status?.tokenUsage, answer.usage);
    }
    const memory = await readMemory('hank');
    for (const name of names) {
      assert.ok(occurrences(memory, `- ${name} answered`) >= 1, memory);
      for (const { response } of answers) {
        assert.ok(occurrences(memory, `- ${name} answered ${response}.\n`) <= 1, memory);
      }
    }
  });
});
