// An AgentRun on the local cluster: the installed controller turns it into a Job, the Job's pod runs
// on the node, and the run's status reaches Succeeded with pod, times and exit code. Until the agent
// runner exists, the k8sclaw image stands in as the agent (it prints its usage and exits 0).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { apiVersion, type AgentRun } from '../../src/api/index.ts';
import { instanceManifest, runManifest } from '../fixtures/k8sclaw-objects.ts';
import { runCli } from '../harness/cli.ts';
import { e2eKubeClient } from '../harness/e2e.ts';
import { eventually, whenGone } from '../harness/eventually.ts';
import { kubectl } from '../harness/kubectl.ts';
import { createTestNamespace, deleteTestNamespace } from '../harness/test-namespace.ts';

const group = { group: 'k8sclaw.io', version: 'v1alpha1' };

describe('AgentRun on the local cluster', () => {
  const kube = e2eKubeClient();
  let namespace = '';
  before(async () => {
    const installed = await runCli(['install', '--profile', 'local']);
    assert.equal(installed.code, 0, installed.stderr);
    namespace = await createTestNamespace(kube, 'agentrun', { waitForDefaultServiceAccount: true });
  });
  after(async () => {
    await deleteTestNamespace(kube, namespace);
    await runCli(['uninstall']);
  });

  it('runs the agent pod on the node and reports Succeeded', async () => {
    await kube.customObjects.createNamespacedCustomObject({
      ...group,
      namespace,
      plural: 'clawinstances',
      body: instanceManifest('alice', namespace),
    });
    await kube.customObjects.createNamespacedCustomObject({
      ...group,
      namespace,
      plural: 'agentruns',
      body: runManifest('hello', namespace, 'alice'),
    });
    const run = await eventually(
      'the run to finish',
      async () => {
        const current = (await kube.customObjects.getNamespacedCustomObject({
          ...group,
          namespace,
          plural: 'agentruns',
          name: 'hello',
        })) as AgentRun;
        return current.status?.phase === 'Succeeded' || current.status?.phase === 'Failed'
          ? current
          : undefined;
      },
      180_000,
      1_000,
    );
    assert.equal(run.status?.phase, 'Succeeded', run.status?.error);
    assert.equal(run.status?.exitCode, 0);
    assert.match(run.status?.podName ?? '', /^agentrun-hello-/);
    assert.ok(run.status?.startedAt && run.status.completedAt && run.status.duration);
    const row = (
      await kubectl(process.env.KUBECONFIG ?? '', 'get', 'ar', 'hello', '-n', namespace, '--no-headers')
    )
      .trim()
      .split(/\s+/);
    assert.deepEqual(row.slice(0, 3), ['hello', 'alice', 'Succeeded']);
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
