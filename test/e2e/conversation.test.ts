// A conversation on the local cluster: after `k8sclaw install --profile local`, three turns into one
// session of an instance that talks to the scripted model deployed in the test namespace, each
// through the API server's messages endpoint with `?wait=` (the second one sent by `k8sclaw chat -m`,
// which reaches the API server by a port-forward through the kube-apiserver, as from a laptop). Each turn's run is a pod whose IPC bridge
// asks the API server over NATS for the session's earlier turns, which the API server reads from the
// in-cluster PostgreSQL: the prompt the scripted model logs for the second turn holds the first turn,
// the third's both, and the session's messages are listed in order.
//
// Then the third turn's run and the whole session are followed over the API server's WebSocket
// event streams, replayed from their first events.
//
// The HTTP API is called at the Service's cluster IP, as in apiserver.test.ts: the local cluster's
// node is this machine, so kube-proxy routes it.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { buildBearerProtocol, eventStreamProtocol, type RunEvent } from '../../src/api/index.ts';
import type { ModelScript } from '../fakes/model-server/index.ts';
import { instanceManifest } from '../fixtures/k8sclaw-objects.ts';
import { runCli } from '../harness/cli.ts';
import { e2eKubeClient } from '../harness/e2e.ts';
import { buildTokenKubeconfigFrom } from '../harness/kubeconfig.ts';
import { kubectl } from '../harness/kubectl.ts';
import { deployScriptedModel, modelPrompts } from '../harness/scripted-model-in-cluster.ts';
import { createTestNamespace, deleteTestNamespace } from '../harness/test-namespace.ts';

const kubeconfig = process.env.KUBECONFIG ?? '';
const system = 'k8sclaw-system';
const instance = 'alice';
const sessionKey = 'api:e2e-conversation';
const turns = [
  { text: 'My name is Ada.', reply: 'Nice to meet you, Ada.' },
  { text: 'I drink tea.', reply: 'Tea it is.' },
  { text: 'What is my name and what do I drink?', reply: 'You are Ada and you drink tea.' },
];
// the model's answer is chosen by how many assistant turns the request already carries
const script: ModelScript = { conversations: [{ turns: turns.map(({ reply }) => ({ text: reply })) }] };

interface ReplyBody {
  status?: string;
  reply?: string;
  sessionKey?: string;
  run?: { name: string };
}

describe('a conversation through the API server on the local cluster', () => {
  const kube = e2eKubeClient();
  let namespace = '';
  let apiUrl = '';
  let token = '';
  let thirdRun = '';
  const messagesPath = () => `/api/v1/namespaces/${namespace}/instances/${instance}/messages`;
  const call = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${apiUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body ? { 'content-type': 'application/json' } : {}),
      },
      ...(body ? { body: JSON.stringify(body) } : {}),
      signal: AbortSignal.timeout(200_000),
    });
    return { status: response.status, body: (await response.json()) as unknown };
  };
  /** What the model was sent for the turn whose task is `text`. */
  const promptOf = async (text: string) => {
    const prompt = (await modelPrompts(kubeconfig, namespace)).find(
      (messages) => messages.at(-1)?.text === text,
    );
    assert.ok(prompt, `the model was asked "${text}"`);
    return prompt.map(({ role, text: content }) => ({ role, content }));
  };
  const sendOverHttp = async (text: string) => {
    const answer = await call('POST', `${messagesPath()}?wait=180`, { sessionKey, text });
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    return answer.body as ReplyBody;
  };

  before(async () => {
    const installed = await runCli(['install', '--profile', 'local']);
    assert.equal(installed.code, 0, installed.stderr);
    namespace = await createTestNamespace(kube, 'conversation', { waitForDefaultServiceAccount: true });
    const model = await deployScriptedModel(kubeconfig, namespace, script);
    await kube.customObjects.createNamespacedCustomObject({
      group: 'k8sclaw.io',
      version: 'v1alpha1',
      namespace,
      plural: 'clawinstances',
      body: instanceManifest(instance, namespace, {
        provider: 'openai',
        model: 'gpt-4o-mini',
        baseURL: model.baseURL,
        authSecretRef: model.keySecret,
      }),
    });
    // a client of the API: may send messages (create runs) and read the instance's sessions
    await kube.core.createNamespacedServiceAccount({ namespace, body: { metadata: { name: 'chat-user' } } });
    await kube.rbac.createNamespacedRole({
      namespace,
      body: {
        metadata: { name: 'chat' },
        rules: [
          { apiGroups: ['k8sclaw.io'], resources: ['agentruns'], verbs: ['get', 'list', 'create'] },
          { apiGroups: ['k8sclaw.io'], resources: ['clawinstances'], verbs: ['get'] },
        ],
      },
    });
    await kube.rbac.createNamespacedRoleBinding({
      namespace,
      body: {
        metadata: { name: 'chat-user-chat' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'chat' },
        subjects: [{ kind: 'ServiceAccount', name: 'chat-user', namespace }],
      },
    });
    token = (await kubectl(kubeconfig, 'create', 'token', 'chat-user', '-n', namespace)).trim();
    const service = await kube.core.readNamespacedService({ name: 'k8sclaw-apiserver', namespace: system });
    apiUrl = `http://${service.spec?.clusterIP}:8080`;
  });
  after(async () => {
    await deleteTestNamespace(kube, namespace);
    await runCli(['uninstall']);
  });

  it('answers the first message with its reply, the model having been sent no history', async () => {
    const answer = await sendOverHttp(turns[0]!.text);
    assert.equal(answer.status, 'succeeded');
    assert.equal(answer.reply, turns[0]!.reply);
    assert.equal(answer.sessionKey, sessionKey);
    assert.deepEqual(await promptOf(turns[0]!.text), [{ role: 'user', content: turns[0]!.text }]);
  });

  it("sends the second turn, from `k8sclaw chat -m`, and the second turn's model the first turn", async () => {
    // the CLI's default way to the API server: a port-forward to one of its pods, by the kubeconfig
    const chat = await runCli([
      'chat',
      instance,
      '-n',
      namespace,
      '--session',
      sessionKey,
      '--token',
      token,
      '--wait',
      '180',
      '-m',
      turns[1]!.text,
    ]);
    assert.equal(chat.code, 0, chat.stderr);
    assert.equal(chat.stdout, `${turns[1]!.reply}\n`);
    assert.deepEqual(await promptOf(turns[1]!.text), [
      { role: 'user', content: turns[0]!.text },
      { role: 'assistant', content: turns[0]!.reply },
      { role: 'user', content: turns[1]!.text },
    ]);
  });

  it('tells a user who may not reach the API server through the cluster to pass --api', async () => {
    // the chat user's own kubeconfig: its token, and no rights in k8sclaw-system
    const dir = await mkdtemp(path.join(os.tmpdir(), 'k8sclaw-chat-e2e-'));
    try {
      const file = path.join(dir, 'chat-user.kubeconfig');
      await writeFile(
        file,
        buildTokenKubeconfigFrom(readFileSync(kubeconfig, 'utf8'), 'chat-user', token, namespace),
        { mode: 0o600 },
      );
      const chat = await runCli(['chat', instance, '-m', 'hello?'], { KUBECONFIG: file });
      assert.equal(chat.code, 1);
      assert.equal(
        chat.stderr,
        'Error: permission denied: reaching the K8sClaw API server through the cluster needs get services, ' +
          `list pods and create pods/portforward in namespace "${system}"; pass --api with its URL\n`,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("sends the third turn's model both earlier turns, and lists the session's messages in order", async () => {
    const answer = await sendOverHttp(turns[2]!.text);
    assert.equal(answer.reply, turns[2]!.reply);
    thirdRun = answer.run?.name ?? '';
    assert.deepEqual(await promptOf(turns[2]!.text), [
      { role: 'user', content: turns[0]!.text },
      { role: 'assistant', content: turns[0]!.reply },
      { role: 'user', content: turns[1]!.text },
      { role: 'assistant', content: turns[1]!.reply },
      { role: 'user', content: turns[2]!.text },
    ]);
    const messages = await call(
      'GET',
      `/api/v1/namespaces/${namespace}/instances/${instance}/sessions/${encodeURIComponent(sessionKey)}/messages`,
    );
    assert.equal(messages.status, 200, JSON.stringify(messages.body));
    assert.deepEqual(
      (messages.body as { items: { role: string; content: string }[] }).items.map(({ role, content }) => ({
        role,
        content,
      })),
      turns.flatMap(({ text, reply }) => [
        { role: 'user', content: text },
        { role: 'assistant', content: reply },
      ]),
    );
  });
  /** Opens a WebSocket event stream of the API server, the token in a subprotocol, and collects it. */
  const follow = (path: string, until: (events: RunEvent[]) => boolean) =>
    new Promise<{ events: RunEvent[]; code: number }>((resolve, reject) => {
      const events: RunEvent[] = [];
      const socket = new WebSocket(`${apiUrl.replace(/^http/, 'ws')}${path}`, [
        eventStreamProtocol,
        buildBearerProtocol(token),
      ]);
      const timer = setTimeout(() => {
        socket.close();
        reject(new Error(`${path}: ${events.length} events after 60 s`));
      }, 60_000);
      socket.addEventListener('message', (message: MessageEvent) => {
        events.push(JSON.parse(String(message.data)) as RunEvent);
        if (until(events)) {
          clearTimeout(timer);
          socket.close();
          resolve({ events, code: 1000 });
        }
      });
      socket.addEventListener('close', (closed: CloseEvent) => {
        clearTimeout(timer);
        resolve({ events, code: closed.code });
      });
    });
  const replyText = (events: RunEvent[], runUid: string) =>
    events
      .filter((event) => event.identity.runUid === runUid)
      .flatMap((event) => (event.body.type === 'chunk' ? [event.body.text] : []))
      .join('');

  it("streams a run's events and the session's over WebSockets, from the first event", async () => {
    assert.ok(thirdRun, 'the third turn ran');
    const run = await follow(`/api/v1/namespaces/${namespace}/runs/${thirdRun}/events/watch`, () => false);
    assert.equal(run.code, 1000, 'the stream ends normally after the completed event');
    assert.equal(run.events[0]?.body.type, 'started');
    assert.equal(run.events.at(-1)?.body.type, 'completed');
    assert.equal(replyText(run.events, run.events[0]!.identity.runUid), turns[2]!.reply);

    const completed = (events: RunEvent[]) => events.filter((event) => event.body.type === 'completed');
    const session = await follow(
      `/api/v1/namespaces/${namespace}/instances/${instance}/sessions/${encodeURIComponent(sessionKey)}/events/watch`,
      (events) => completed(events).length === turns.length,
    );
    const runs = completed(session.events).map((event) => event.identity.runUid);
    assert.deepEqual(
      runs.map((runUid) => replyText(session.events, runUid)),
      turns.map(({ reply }) => reply),
      "every turn's reply, in order",
    );
  });
});
