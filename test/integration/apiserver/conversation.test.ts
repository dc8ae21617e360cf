// A three-turn conversation through the messages endpoint, over the real path end to end: the API
// server binary (real TokenReview and SubjectAccessReview for a tenant ServiceAccount) creates each
// turn's AgentRun; the test plays the controller's part by starting each run's pod on the host (the
// real IPC bridge and runner, the scripted model); the bridge asks the API server for the session's
// history over a real nats-server, the API server reads it from a real PostgreSQL, and records the
// run's question and reply there from the run's `completed` event, which `?wait=` waits for.
// PostgreSQL is restarted between the second and the third turn and the history is still there.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { AgentRun, ClawInstance } from '../../../src/api/index.ts';
import type { BusAuthority } from '../../../src/eventbus/index.ts';
import {
  startScriptedModelServer,
  type RecordedRequest,
  type ScriptedModelServer,
} from '../../fakes/model-server/index.ts';
import { instanceManifest } from '../../fixtures/k8sclaw-objects.ts';
import { startAgentPod, type AgentPod } from '../../harness/agent-pod.ts';
import type { ApiServerProcess } from '../../harness/api-server-process.ts';
import { startApiServerStack, type ApiServerStack } from '../../harness/api-server-stack.ts';
import { eventually } from '../../harness/eventually.ts';
import { integrationKubeClient } from '../../harness/integration.ts';
import type { NatsServer } from '../../harness/nats-server.ts';
import type { PostgresServer } from '../../harness/postgres.ts';
import { callApi } from './api-fixtures.ts';

const group = { group: 'k8sclaw.io', version: 'v1alpha1' };
const instanceName = 'claw';
const sessionKey = 'api:conversation-1';
const turns = [
  { text: 'My name is Ada.', reply: 'Nice to meet you, Ada.' },
  { text: 'I drink tea.', reply: 'Tea it is.' },
  { text: 'What is my name and what do I drink?', reply: 'You are Ada and you drink tea.' },
];

type Json = Record<string, unknown>;
/** The chat messages (role and text) an OpenAI Chat request carried, system prompt left out. */
function conversationOf(request: RecordedRequest): { role: string; content: string }[] {
  const messages = ((request.body as Json).messages ?? []) as Json[];
  return messages
    .filter((message) => message.role !== 'system' && message.role !== 'developer')
    .map((message) => ({ role: String(message.role), content: String(message.content ?? '') }));
}

describe('a conversation through the messages endpoint', () => {
  const kube = integrationKubeClient();
  let stack: ApiServerStack | undefined;
  let authority: BusAuthority;
  let nats: NatsServer | undefined;
  let postgres: PostgresServer | undefined;
  let model: ScriptedModelServer | undefined;
  let tenantNs = '';
  let token = '';
  let server: ApiServerProcess | undefined;
  let instance: ClawInstance;
  const pods: AgentPod[] = [];

  before(async () => {
    // the model's answer is chosen by how many assistant turns the request already carries
    model = await startScriptedModelServer({
      script: { conversations: [{ turns: turns.map(({ reply }) => ({ text: reply })) }] },
    });
    stack = await startApiServerStack({
      kube,
      name: 'conversation',
      env: { K8SCLAW_DATABASE_CHECK_SECONDS: '0.5', LOG_LEVEL: 'debug' },
    });
    ({ authority, nats, postgres, server } = stack);
    ({ namespace: tenantNs, token } = stack.tenant);
    instance = (await kube.customObjects.createNamespacedCustomObject({
      ...group,
      namespace: tenantNs,
      plural: 'clawinstances',
      body: instanceManifest(instanceName, tenantNs, { baseURL: `${model.url}/v1` }),
    })) as ClawInstance;
  });
  after(async () => {
    for (const pod of pods) await pod.destroy();
    await stack?.stop();
    await model?.close();
  });

  /** The controller's part: the run the message became, started as a pod once it exists. */
  async function startPodOfNewRun(known: Set<string>): Promise<AgentPod> {
    assert.ok(nats);
    const run = await eventually('the AgentRun of the message', async () => {
      const list = (await kube.customObjects.listNamespacedCustomObject({
        ...group,
        namespace: tenantNs,
        plural: 'agentruns',
      })) as { items: AgentRun[] };
      return list.items.find((item) => !known.has(item.metadata.name));
    });
    known.add(run.metadata.name);
    const pod = await startAgentPod({ run, instance, bus: { url: nats.url, authority } });
    pods.push(pod);
    return pod;
  }

  const knownRuns = new Set<string>();

  /** Sends one turn and waits for its reply, while its pod runs. */
  async function converse(text: string) {
    assert.ok(server);
    const answer = callApi(
      server.url,
      'POST',
      `/api/v1/namespaces/${tenantNs}/instances/${instanceName}/messages?wait=60`,
      { token, body: { sessionKey, text } },
    );
    const pod = await startPodOfNewRun(knownRuns);
    const outcome = await pod.finish({ runnerTimeoutMs: 60_000 });
    assert.equal(outcome.result?.status, 'succeeded', pod.logs());
    return { answer: await answer, pod };
  }

  /** What the model was sent for the turn whose task is `text`. */
  function promptOf(text: string): { role: string; content: string }[] {
    assert.ok(model);
    const request = model.requests.find((recorded) => conversationOf(recorded).at(-1)?.content === text);
    assert.ok(request, `the model was asked "${text}"`);
    return conversationOf(request);
  }

  it('answers the first message with its reply, the run having seen no history', async () => {
    const { answer, pod } = await converse(turns[0]!.text);
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    assert.equal(answer.body.status, 'succeeded');
    assert.equal(answer.body.reply, turns[0]!.reply);
    assert.equal(answer.body.sessionKey, sessionKey);
    assert.equal(answer.body.run.name, pod.identity.run);
    assert.equal(answer.body.run.uid, pod.identity.runUid);
    assert.deepEqual(promptOf(turns[0]!.text), [{ role: 'user', content: turns[0]!.text }]);
  });

  it("sends the second turn's model the first turn", async () => {
    const { answer } = await converse(turns[1]!.text);
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    assert.equal(answer.body.reply, turns[1]!.reply);
    assert.deepEqual(promptOf(turns[1]!.text), [
      { role: 'user', content: turns[0]!.text },
      { role: 'assistant', content: turns[0]!.reply },
      { role: 'user', content: turns[1]!.text },
    ]);
  });

  it('keeps the history across a PostgreSQL restart: the third turn sees both earlier turns', async () => {
    assert.ok(postgres && server);
    await postgres.halt();
    await postgres.resume();
    const { answer } = await converse(turns[2]!.text);
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    assert.equal(answer.body.reply, turns[2]!.reply);
    assert.deepEqual(promptOf(turns[2]!.text), [
      { role: 'user', content: turns[0]!.text },
      { role: 'assistant', content: turns[0]!.reply },
      { role: 'user', content: turns[1]!.text },
      { role: 'assistant', content: turns[1]!.reply },
      { role: 'user', content: turns[2]!.text },
    ]);
    const messages = await callApi(
      server.url,
      'GET',
      `/api/v1/namespaces/${tenantNs}/instances/${instanceName}/sessions/${encodeURIComponent(sessionKey)}/messages`,
      { token },
    );
    assert.equal(messages.status, 200);
    assert.deepEqual(
      (messages.body.items as { role: string; content: string }[]).map(({ role, content }) => ({
        role,
        content,
      })),
      turns.flatMap(({ text, reply }) => [
        { role: 'user', content: text },
        { role: 'assistant', content: reply },
      ]),
    );
  });

  it('answers 202 with the reference when the wait runs out, and 400 naming a bad field', async () => {
    assert.ok(server);
    const base = `/api/v1/namespaces/${tenantNs}/instances/${instanceName}/messages`;
    // nobody starts this run's pod: the wait runs out
    const accepted = await callApi(server.url, 'POST', `${base}?wait=1`, {
      token,
      body: { sessionKey, text: 'anyone there?' },
    });
    assert.equal(accepted.status, 202, JSON.stringify(accepted.body));
    assert.equal(accepted.body.status, 'Accepted');
    assert.match(accepted.body.run.name, /^claw-/);
    const fieldsOf = (body: { fields?: { field: string }[] }) => (body.fields ?? []).map((f) => f.field);
    const tooLong = await callApi(server.url, 'POST', `${base}?wait=301`, {
      token,
      body: { sessionKey, text: 'x' },
    });
    assert.equal(tooLong.status, 400);
    assert.deepEqual(fieldsOf(tooLong.body), ['wait']);
    const unknown = await callApi(server.url, 'POST', base, {
      token,
      body: { sessionKey, text: 'x', extra: true },
    });
    assert.equal(unknown.status, 400);
    assert.deepEqual(fieldsOf(unknown.body), ['extra']);
  });
});
