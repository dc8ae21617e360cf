// AgentRuns on the local cluster: the installed controller turns each into a Job whose pod runs the
// agent runner, its IPC bridge and a sandbox on the node; the runner talks to the scripted model
// server deployed in the test namespace; results come back through NATS into the run's status, and
// memory carries facts from one run to the next.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { apiVersion, type AgentRun } from '../../src/api/index.ts';
import { instanceManifest, runManifest } from '../fixtures/k8sclaw-objects.ts';
import { runCli } from '../harness/cli.ts';
import { e2eKubeClient, localImage } from '../harness/e2e.ts';
import { eventually, whenGone } from '../harness/eventually.ts';
import { kubectl } from '../harness/kubectl.ts';
import { deployScriptedModel } from '../harness/scripted-model-in-cluster.ts';
import { finishedRun } from '../harness/finished-run.ts';
import { createTestNamespace, deleteTestNamespace } from '../harness/test-namespace.ts';
import type { ModelScript } from '../fakes/model-server/index.ts';

const group = { group: 'k8sclaw.io', version: 'v1alpha1' };

const script: ModelScript = {
  conversations: [
    {
      match: { userContains: 'remember' },
      turns: [
        { toolCalls: [{ name: 'update_memory', arguments: { content: 'The e2e hint is blue-falcon.' } }] },
        { toolCalls: [{ name: 'execute_command', arguments: { command: 'echo sandbox-ok > proof.txt' } }] },
        { toolCalls: [{ name: 'read_file', arguments: { path: 'proof.txt' } }] },
        { text: 'Stored. <!-- memory:append -->Marker fact: the e2e colour is amber.<!-- /memory -->' },
      ],
    },
    {
      match: { userContains: 'recall' },
      turns: [{ text: 'I recall: {{system:/hint is [a-z-]+/}}; {{system:/e2e colour is [a-z]+/}}.' }],
    },
    {
      turns: [
        { toolCalls: [{ name: 'list_directory', arguments: { path: '.' } }] },
        { text: 'hello from the agent' },
      ],
    },
  ],
};

describe('AgentRun on the local cluster', () => {
  const kube = e2eKubeClient();
  let namespace = '';
  const finished = (name: string, timeoutMs = 180_000) => finishedRun(kube, namespace, name, timeoutMs);
  before(async () => {
    const installed = await runCli(['install', '--profile', 'local']);
    assert.equal(installed.code, 0, installed.stderr);
    namespace = await createTestNamespace(kube, 'agentrun', { waitForDefaultServiceAccount: true });
    const model = await deployScriptedModel(process.env.KUBECONFIG ?? '', namespace, script);
    await kube.customObjects.createNamespacedCustomObject({
      ...group,
      namespace,
      plural: 'clawpolicies',
      body: {
        apiVersion,
        kind: 'ClawPolicy',
        metadata: { name: 'e2e-policy', namespace },
        spec: { featureGates: { 'code-execution': true, 'memory-write': true } },
      },
    });
    await kube.customObjects.createNamespacedCustomObject({
      ...group,
      namespace,
      plural: 'clawinstances',
      body: instanceManifest(
        'alice',
        namespace,
        {
          provider: 'openai',
          model: 'gpt-4o-mini',
          baseURL: model.baseURL,
          authSecretRef: model.keySecret,
          sandbox: { enabled: true, image: localImage('sandbox') },
        },
        { policyRef: 'e2e-policy' },
      ),
    });
  });
  const getInstanceDefaults = async (name: string) =>
    (
      (await kube.customObjects.getNamespacedCustomObject({
        ...group,
        namespace,
        plural: 'clawinstances',
        name,
      })) as { spec: { agents: { default: Record<string, unknown> } } }
    ).spec.agents.default;
  after(async () => {
    await deleteTestNamespace(kube, namespace);
    await runCli(['uninstall']);
  });

  it('runs the agent pod on the node: a tool call, the answer in status through the bus', async () => {
    await kube.customObjects.createNamespacedCustomObject({
      ...group,
      namespace,
      plural: 'agentruns',
      body: runManifest('hello', namespace, 'alice'),
    });
    const run = await finished('hello');
    assert.equal(run.status?.phase, 'Succeeded', run.status?.error);
    assert.equal(run.status?.exitCode, 0);
    assert.match(run.status?.podName ?? '', /^agentrun-hello-/);
    assert.ok(run.status?.startedAt && run.status.completedAt && run.status.duration);
    assert.equal(run.status?.result, 'hello from the agent');
    assert.equal(run.status?.toolCalls, 1);
    assert.ok((run.status?.tokenUsage?.input ?? 0) > 0);
    const recorded = run.status?.conditions?.find((c) => c.type === 'ResultRecorded');
    assert.equal(recorded?.message, 'result received through the event bus');
    const row = (
      await kubectl(process.env.KUBECONFIG ?? '', 'get', 'ar', 'hello', '-n', namespace, '--no-headers')
    )
      .trim()
      .split(/\s+/);
    assert.deepEqual(row.slice(0, 3), ['hello', 'alice', 'Succeeded']);
  });

  it('stores facts in memory (tool and marker) and a later run sees them in its prompt', async () => {
    await kube.customObjects.createNamespacedCustomObject({
      ...group,
      namespace,
      plural: 'agentruns',
      body: runManifest('learn', namespace, 'alice', { task: 'remember the hint' }),
    });
    const learned = await finished('learn');
    assert.equal(learned.status?.phase, 'Succeeded', learned.status?.error);
    // the marker is stripped from what users see
    assert.equal(learned.status?.result, 'Stored.');
    assert.equal(learned.status?.toolCalls, 3);
    const memory = await kube.core.readNamespacedConfigMap({ name: 'alice-memory', namespace });
    assert.match(memory.data?.['MEMORY.md'] ?? '', /- The e2e hint is blue-falcon\./);
    assert.match(memory.data?.['MEMORY.md'] ?? '', /- Marker fact: the e2e colour is amber\./);

    await kube.customObjects.createNamespacedCustomObject({
      ...group,
      namespace,
      plural: 'agentruns',
      body: runManifest('recall', namespace, 'alice', { task: 'recall what you know' }),
    });
    const recalled = await finished('recall');
    assert.equal(recalled.status?.result, 'I recall: hint is blue-falcon; e2e colour is amber.');
  });

  it('fails a run whose provider key is wrong, with the provider reason', async () => {
    await kube.core.createNamespacedSecret({
      namespace,
      body: { metadata: { name: 'wrong-key' }, stringData: { 'api-key': 'not-the-key' } },
    });
    const model = (await getInstanceDefaults('alice')) as { baseURL: string };
    await kube.customObjects.createNamespacedCustomObject({
      ...group,
      namespace,
      plural: 'clawinstances',
      body: instanceManifest('mallory', namespace, {
        provider: 'openai',
        model: 'gpt-4o-mini',
        baseURL: model.baseURL,
        authSecretRef: { name: 'wrong-key', key: 'api-key' },
      }),
    });
    await kube.customObjects.createNamespacedCustomObject({
      ...group,
      namespace,
      plural: 'agentruns',
      body: runManifest('denied', namespace, 'mallory'),
    });
    const run = await finished('denied');
    assert.equal(run.status?.phase, 'Failed');
    assert.equal(run.status?.conditions?.find((c) => c.type === 'Completed')?.reason, 'ProviderUnauthorized');
    assert.match(run.status?.error ?? '', /401/);
    assert.doesNotMatch(run.status?.error ?? '', /not-the-key/);
  });

  it('deletes the Job of a finished run with cleanup: delete, and the run after its TTL', async () => {
    await kube.customObjects.createNamespacedCustomObject({
      ...group,
      namespace,
      plural: 'agentruns',
      body: runManifest('short', namespace, 'alice', { cleanup: 'delete', ttlSecondsAfterFinished: 10 }),
    });
    const finished = await eventually(
      'the run to succeed',
      async () => {
        const current = (await kube.customObjects.getNamespacedCustomObject({
          ...group,
          namespace,
          plural: 'agentruns',
          name: 'short',
        })) as AgentRun;
        return current.status?.phase === 'Succeeded' ? current : undefined;
      },
      120_000,
      500,
    );
    assert.equal(finished.status?.jobName, 'agentrun-short');
    await eventually(
      'the Job to be deleted',
      whenGone(() => kube.batch.readNamespacedJob({ name: 'agentrun-short', namespace })),
      30_000,
      500,
    );
    await eventually(
      'the run to be deleted after its TTL',
      whenGone(() =>
        kube.customObjects.getNamespacedCustomObject({
          ...group,
          namespace,
          plural: 'agentruns',
          name: 'short',
        }),
      ),
      60_000,
      500,
    );
  });

  it('runs an every-minute ClawSchedule: its tick creates a run that succeeds on the node', async () => {
    await kube.customObjects.createNamespacedCustomObject({
      ...group,
      namespace,
      plural: 'clawschedules',
      body: {
        apiVersion,
        kind: 'ClawSchedule',
        metadata: { name: 'minutely', namespace },
        spec: { instanceRef: 'alice', schedule: '* * * * *', task: 'heartbeat', concurrencyPolicy: 'Forbid' },
      },
    });
    const scheduled = await eventually(
      'a run of the schedule to succeed',
      async () => {
        const runs = (await kube.customObjects.listNamespacedCustomObject({
          ...group,
          namespace,
          plural: 'agentruns',
          labelSelector: 'k8sclaw.io/schedule=minutely',
        })) as { items: AgentRun[] };
        return runs.items.find((r) => r.status?.phase === 'Succeeded');
      },
      150_000,
      1_000,
    );
    assert.match(scheduled.metadata.name, /^minutely-\d+$/);
  });
});
