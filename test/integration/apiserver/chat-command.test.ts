// `k8sclaw chat` against the API server binary on loopback (real TokenReview and
// SubjectAccessReview, NATS and PostgreSQL), with `--api`: one message with `-m` (the token from the
// kubeconfig's user), two lines from a pipe in a new session whose second turn sees the first, and
// the one-sentence failures: a bad token, no rights, a wait that runs out, an unreachable URL, a
// kubeconfig user without a token. The test plays the controller's part by starting each run's pod
// on the host (the real IPC bridge and runner, the scripted model), as conversation.test.ts does.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { AgentRun, ClawInstance } from '../../../src/api/index.ts';
import type { BusAuthority } from '../../../src/eventbus/index.ts';
import {
  startScriptedModelServer,
  type ScriptedModelServer,
  transcriptOf,
} from '../../fakes/model-server/index.ts';
import { instanceManifest } from '../../fixtures/k8sclaw-objects.ts';
import { followSessionReplies } from '../../../src/cli/commands/chat-live-reply.ts';
import { startAgentPod, type AgentPod } from '../../harness/agent-pod.ts';
import type { ApiServerProcess } from '../../harness/api-server-process.ts';
import { startApiServerStack, type ApiServerStack } from '../../harness/api-server-stack.ts';
import { runCli, type CliResult } from '../../harness/cli.ts';
import { createServiceAccountToken } from './api-fixtures.ts';
import { eventually } from '../../harness/eventually.ts';
import { findFreePort } from '../../harness/free-port.ts';
import { integrationKubeClient, integrationKubeconfigPath } from '../../harness/integration.ts';
import { buildTokenKubeconfigFrom } from '../../harness/kubeconfig.ts';
import type { NatsServer } from '../../harness/nats-server.ts';

const group = { group: 'k8sclaw.io', version: 'v1alpha1' };
const instanceName = 'claw';
const replies = ['First reply.', 'Second reply.'];

describe('k8sclaw chat against the API server', () => {
  const kube = integrationKubeClient();
  let stack: ApiServerStack | undefined;
  let authority: BusAuthority;
  let nats: NatsServer | undefined;
  let model: ScriptedModelServer | undefined;
  let tenantNs = '';
  let token = '';
  let tenantKubeconfig = '';
  let server: ApiServerProcess | undefined;
  let instance: ClawInstance;
  const pods: AgentPod[] = [];
  const knownRuns = new Set<string>();

  before(async () => {
    // the model's answer is chosen by how many assistant turns the request already carries
    model = await startScriptedModelServer({
      script: { conversations: [{ turns: replies.map((text) => ({ text })) }] },
    });
    stack = await startApiServerStack({ kube, name: 'chat' });
    ({ authority, nats, server } = stack);
    ({ namespace: tenantNs, token } = stack.tenant);
    tenantKubeconfig = path.join(stack.dir, 'alice.kubeconfig');
    await writeFile(
      tenantKubeconfig,
      buildTokenKubeconfigFrom(readFileSync(integrationKubeconfigPath(), 'utf8'), 'alice', token),
      { mode: 0o600 },
    );
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

  /** The controller's part: the next run a message became, started as a pod, run to its end. */
  async function runNextPod(): Promise<void> {
    assert.ok(nats);
    const run = await eventually('the AgentRun of the message', async () => {
      const list = (await kube.customObjects.listNamespacedCustomObject({
        ...group,
        namespace: tenantNs,
        plural: 'agentruns',
      })) as { items: AgentRun[] };
      return list.items.find((item) => !knownRuns.has(item.metadata.name));
    });
    knownRuns.add(run.metadata.name);
    const pod = await startAgentPod({ run, instance, bus: { url: nats.url, authority } });
    pods.push(pod);
    const outcome = await pod.finish({ runnerTimeoutMs: 60_000 });
    assert.equal(outcome.result?.status, 'succeeded', pod.logs());
  }

  const chat = (args: string[], input?: string): Promise<CliResult> => {
    assert.ok(server);
    return runCli(
      ['chat', instanceName, '-n', tenantNs, '--api', server.url, ...args],
      { KUBECONFIG: tenantKubeconfig },
      120_000,
      input,
    );
  };

  it("sends one message with -m, the token from the kubeconfig's user, and prints the reply", async () => {
    const [result] = await Promise.all([
      chat(['--session', 'api:chat-one', '-m', 'Hello there.', '--wait', '60']),
      runNextPod(),
    ]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, `${replies[0]}\n`);
    assert.equal(result.stderr, '');
  });

  it('reads lines from a pipe into a new session it names, printing only the replies', async () => {
    const lines = ['My name is Ada.', 'What is my name?'];
    const [result] = await Promise.all([
      chat(['--token', token, '--wait', '60'], `${lines.join('\n')}\n`),
      (async () => {
        await runNextPod();
        await runNextPod();
      })(),
    ]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, `${replies[0]}\n${replies[1]}\n`);
    const key = /^session (cli:[A-Za-z0-9._-]+-[0-9a-f]{8}) /.exec(result.stderr)?.[1];
    assert.ok(key, result.stderr);
    assert.ok(model);
    const second = model.requests
      .map((request) => transcriptOf(request))
      .find((messages) => messages.at(-1)?.text === lines[1]);
    assert.deepEqual(second, [
      { role: 'user', text: lines[0] },
      { role: 'assistant', text: replies[0] },
      { role: 'user', text: lines[1] },
    ]);
  });

  it("on a terminal shows the reply as the run writes it, from the session's event stream", async () => {
    assert.ok(server);
    const sessionKey = 'api:chat-live';
    const live = followSessionReplies({
      url: server.url,
      token,
      namespace: tenantNs,
      instance: instanceName,
      sessionKey,
    });
    try {
      assert.equal(await live.opened, true, 'the session stream opened with the token in a subprotocol');
      let shown = '';
      live.begin((text) => (shown += text));
      const [result] = await Promise.all([
        chat(['--session', sessionKey, '-m', 'Hello, live.', '--wait', '60']),
        runNextPod(),
      ]);
      assert.equal(result.code, 0, result.stderr);
      await eventually('the reply shown from the stream', async () =>
        shown === replies[0] ? true : undefined,
      );
      live.end();
    } finally {
      live.close();
    }
  });

  it('fails with one sentence and exit code 1: a bad token, no rights, a wait that runs out', async () => {
    const badToken = await chat(['--session', 'api:chat-fail', '--token', 'not-a-token', '-m', 'hi']);
    assert.equal(badToken.code, 1);
    assert.match(badToken.stderr, /^Error: the API server did not accept the token \(401\)/);
    assert.equal(badToken.stderr.trimEnd().split('\n').length, 1, badToken.stderr);

    const outsider = await createServiceAccountToken(kube, tenantNs, 'outsider');
    const forbidden = await chat(['--session', 'api:chat-fail', '--token', outsider, '-m', 'hi']);
    assert.equal(forbidden.code, 1);
    assert.match(forbidden.stderr, /^Error: permission denied \(403\)/);

    // nobody starts this run's pod
    const waited = await chat(['--session', 'api:chat-waited', '--wait', '1', '-m', 'anyone there?']);
    assert.equal(waited.code, 1);
    assert.match(
      waited.stderr,
      new RegExp(`^Error: no reply within 1 s; run "${instanceName}-\\w+" is still going`),
    );
  });

  it('fails with one sentence when the API server cannot be reached or the user has no token', async () => {
    const port = await findFreePort();
    const unreachable = await runCli(
      [
        'chat',
        instanceName,
        '-n',
        tenantNs,
        '--api',
        `http://127.0.0.1:${port}`,
        '--session',
        'api:chat-fail',
        '-m',
        'hi',
      ],
      { KUBECONFIG: tenantKubeconfig },
    );
    assert.equal(unreachable.code, 1);
    assert.match(
      unreachable.stderr,
      new RegExp(`^Error: cannot reach the K8sClaw API server at http://127.0.0.1:${port}: .*ECONNREFUSED`),
    );
    // the integration kubeconfig's user signs in with a client certificate
    const noToken = await runCli(['chat', instanceName, '-m', 'hi'], {
      KUBECONFIG: integrationKubeconfigPath(),
    });
    assert.equal(noToken.code, 1);
    assert.match(noToken.stderr, /^Error: the kube context's user has no bearer token .*: pass --token\n$/);
  });
});
