// A run's session history over the real path: the API server binary answers history requests on a
// real nats-server in operator (JWT) mode, reading the AgentRun and its instance from the test
// control plane and the session from a real PostgreSQL. A run's own bridge credentials get the
// earlier turns (within the instance's limits, its own question left out); another run's
// credentials may not even ask. Then a whole agent pod (the real bridge and runner on the host)
// with the scripted model: the bridge fetches the history before it is ready and the model is sent
// the earlier turns before the task; a run the API server refuses starts without them and says so.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { AgentRun, ClawInstance, RunIdentity } from '../../../src/api/index.ts';
import {
  buildRunInboxPrefix,
  connectEventBus,
  isPermissionDenied,
  issueUserCredentials,
  runBridgePermissions,
  type BusAuthority,
  type EventBus,
} from '../../../src/eventbus/index.ts';
import { SessionStore } from '../../../src/session/index.ts';
import {
  startScriptedModelServer,
  type RecordedRequest,
  type ScriptedModelServer,
} from '../../fakes/model-server/index.ts';
import { instanceManifest, runManifest } from '../../fixtures/k8sclaw-objects.ts';
import { startAgentPod, type AgentPod } from '../../harness/agent-pod.ts';
import { startApiServerStack, type ApiServerStack } from '../../harness/api-server-stack.ts';
import { eventually } from '../../harness/eventually.ts';
import { integrationKubeClient } from '../../harness/integration.ts';
import type { NatsServer } from '../../harness/nats-server.ts';

const group = { group: 'k8sclaw.io', version: 'v1alpha1' };
const instanceName = 'claw';
const sessionKey = 'api:chat-1';
const task = 'What did I ask first?';

type Json = Record<string, unknown>;
/** The chat messages (role and text) an OpenAI Chat request carried, system prompt left out. */
function conversationOf(request: RecordedRequest): { role: string; content: string }[] {
  const messages = ((request.body as Json).messages ?? []) as Json[];
  return messages
    .filter((message) => message.role !== 'system' && message.role !== 'developer')
    .map((message) => ({ role: String(message.role), content: String(message.content ?? '') }));
}

describe('session history into runs, through the API server', () => {
  const kube = integrationKubeClient();
  let stack: ApiServerStack | undefined;
  let authority: BusAuthority;
  let nats: NatsServer | undefined;
  let model: ScriptedModelServer | undefined;
  let store: SessionStore | undefined;
  let tenantNs = '';
  let instance: ClawInstance;
  const buses: EventBus[] = [];
  const pods: AgentPod[] = [];

  before(async () => {
    model = await startScriptedModelServer({
      script: { conversations: [{ turns: [{ text: 'You first asked about tea.' }] }] },
    });
    stack = await startApiServerStack({ kube, name: 'run-history', env: { LOG_LEVEL: 'debug' } });
    ({ authority, nats } = stack);
    tenantNs = stack.tenant.namespace;
    instance = (await kube.customObjects.createNamespacedCustomObject({
      ...group,
      namespace: tenantNs,
      plural: 'clawinstances',
      body: instanceManifest(
        instanceName,
        tenantNs,
        { baseURL: `${model.url}/v1` },
        { sessions: { historyTurns: 2 } },
      ),
    })) as ClawInstance;
    store = new SessionStore({ databaseUrl: stack.databaseUrl });
    await store.migrate();
  });
  after(async () => {
    for (const pod of pods) await pod.destroy();
    await Promise.all(buses.map((bus) => bus.close().catch(() => undefined)));
    await store?.close();
    await stack?.stop();
    await model?.close();
  });

  async function createRun(name: string, spec: Record<string, unknown>): Promise<AgentRun> {
    return (await kube.customObjects.createNamespacedCustomObject({
      ...group,
      namespace: tenantNs,
      plural: 'agentruns',
      body: runManifest(name, tenantNs, instanceName, { timeout: '60s', ...spec }),
    })) as AgentRun;
  }

  const identityOf = (run: AgentRun, runUid = run.metadata.uid ?? ''): RunIdentity => ({
    namespace: tenantNs,
    instance: instanceName,
    run: run.metadata.name,
    runUid,
  });

  /** Connects with the credentials the controller gives `holder`'s bridge. */
  async function connectAs(holder: RunIdentity): Promise<EventBus> {
    assert.ok(nats);
    const bus = await connectEventBus({
      url: nats.url,
      name: `ipc-bridge/${holder.namespace}/${holder.run}`,
      credentials: await issueUserCredentials(authority, {
        name: `ipc-bridge/${holder.namespace}/${holder.run}`,
        permissions: runBridgePermissions(holder),
      }),
      inboxPrefix: buildRunInboxPrefix(holder),
      connectTimeoutMs: 10_000,
    });
    buses.push(bus);
    return bus;
  }

  /** Three earlier turns of the session, each by its own run, and the asking run's own question. */
  async function seedSession(asking: AgentRun): Promise<void> {
    assert.ok(store);
    const ref = { namespace: tenantNs, instance: instanceName, sessionKey };
    for (const turn of [1, 2, 3]) {
      const run = { name: `earlier-${turn}`, uid: `uid-earlier-${turn}` };
      await store.appendMessage(ref, {
        idempotencyKey: `${run.uid}:user`,
        role: 'user',
        content: `question ${turn}`,
        run,
      });
      await store.appendMessage(ref, {
        idempotencyKey: `${run.uid}:assistant`,
        role: 'assistant',
        content: `answer ${turn}`,
        run,
      });
    }
    const uid = asking.metadata.uid ?? '';
    await store.appendMessage(ref, {
      idempotencyKey: `${uid}:user`,
      role: 'user',
      content: task,
      run: { name: asking.metadata.name, uid },
    });
  }

  let asking: AgentRun;
  const window = [
    { role: 'user', content: 'question 2' },
    { role: 'assistant', content: 'answer 2' },
    { role: 'user', content: 'question 3' },
    { role: 'assistant', content: 'answer 3' },
  ];

  it("answers a run's own credentials with its session's newest turns, its own question left out", async () => {
    asking = await createRun('turn-4', { sessionKey, task });
    await seedSession(asking);
    const bus = await connectAs(identityOf(asking));
    // the responder subscribes once the API server is connected: until then nobody answers
    const reply = await eventually('a history reply', async () =>
      bus.requestRunHistory(identityOf(asking), { timeoutMs: 2_000 }),
    );
    assert.deepEqual(reply, { ok: true, messages: window });
  });

  it("refuses another run's credentials on the bus, before the API server sees the request", async () => {
    const other = await createRun('other-run', { sessionKey: 'api:other', task: 'hello' });
    const bus = await connectAs(identityOf(other));
    const error = await bus.requestRunHistory(identityOf(asking), { timeoutMs: 2_000 }).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    assert.ok(isPermissionDenied(error), `expected a permission violation, got ${String(error)}`);
    // its own subject is allowed, and its own (empty) session is what it gets
    assert.deepEqual(await bus.requestRunHistory(identityOf(other), { timeoutMs: 5_000 }), {
      ok: true,
      messages: [],
    });
  });

  it('tells an earlier run of the same name (another uid) nothing, and a run without a session why', async () => {
    const stale = await connectAs(identityOf(asking, 'uid-of-an-earlier-run'));
    const refused = await stale.requestRunHistory(identityOf(asking, 'uid-of-an-earlier-run'), {
      timeoutMs: 5_000,
    });
    assert.equal(refused.ok, false);
    assert.equal(refused.ok ? '' : refused.reason, 'RunNotFound');
    const sessionless = await createRun('no-session', { task: 'hello' });
    const bus = await connectAs(identityOf(sessionless));
    const reply = await bus.requestRunHistory(identityOf(sessionless), { timeoutMs: 5_000 });
    assert.equal(reply.ok ? '' : reply.reason, 'NoSession');
  });

  it('gives an agent pod the earlier turns before its task, fetched by its bridge before the agent starts', async () => {
    assert.ok(nats && model);
    const pod = await startAgentPod({ run: asking, instance, bus: { url: nats.url, authority } });
    pods.push(pod);
    const outcome = await pod.finish({ runnerTimeoutMs: 60_000 });
    assert.equal(outcome.result?.status, 'succeeded', pod.logs());
    const history = JSON.parse(await readFile(path.join(pod.paths.ipc, 'history.json'), 'utf8')) as unknown;
    assert.deepEqual(history, { ok: true, messages: window });
    const request = model.requests.find((recorded) =>
      conversationOf(recorded).some((message) => message.content === task),
    );
    assert.ok(request, 'the model was asked the task');
    assert.deepEqual(conversationOf(request), [...window, { role: 'user', content: task }]);
  });

  it('starts a run the API server refuses without history, and says so in a run event', async () => {
    assert.ok(nats && store);
    // the same name with another uid: as if the AgentRun had been replaced since
    const replaced: AgentRun = { ...asking, metadata: { ...asking.metadata, uid: 'uid-of-a-replaced-run' } };
    const pod = await startAgentPod({ run: replaced, instance, bus: { url: nats.url, authority } });
    pods.push(pod);
    const outcome = await pod.finish({ runnerTimeoutMs: 60_000 });
    assert.equal(outcome.result?.status, 'succeeded', pod.logs());
    const sessionStore = store;
    const status = await eventually('the status event stored by the API server', async () => {
      const events = await sessionStore.listRunEvents('uid-of-a-replaced-run');
      return events.find(
        (event) => event.body.type === 'status' && event.body.message.includes('without the session history'),
      );
    });
    assert.match(
      status.body.type === 'status' ? status.body.message : '',
      /started without the session history \(RunNotFound\)/,
    );
  });
});
