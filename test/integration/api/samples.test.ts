// The samples in config/samples apply to the real apiserver, are listed by `kubectl get k8sclaw`,
// show their printer columns, and behave as the API contract says (defaults, immutable run spec,
// status subresource).
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse } from 'yaml';
import { KubeApiError, type KubernetesObject } from '../../../src/kube/index.ts';
import { repoRoot } from '../../harness/binaries.ts';
import { installCrds } from '../../harness/crds.ts';
import { integrationKubeClient, integrationKubeconfigPath } from '../../harness/integration.ts';
import { kubectl } from '../../harness/kubectl.ts';
import { createTestNamespace, deleteTestNamespace } from '../../harness/test-namespace.ts';

const samplesDir = path.join(repoRoot, 'config', 'samples');
const samples = readdirSync(samplesDir)
  .filter((f) => f.endsWith('.yaml'))
  .map((f) => parse(readFileSync(path.join(samplesDir, f), 'utf8')) as KubernetesObject);

describe('samples on the real apiserver', () => {
  const kube = integrationKubeClient();
  const kubeconfig = integrationKubeconfigPath();
  let namespace = '';
  before(async () => {
    await installCrds(kube);
    namespace = await createTestNamespace(kube, 'samples');
    for (const sample of samples) {
      await kube.apply({ ...sample, metadata: { ...sample.metadata, namespace } }, 'k8sclaw-test');
    }
  });
  after(async () => {
    await deleteTestNamespace(kube, namespace);
  });

  it('lists every sample under the k8sclaw category', async () => {
    const out = await kubectl(kubeconfig, 'get', 'k8sclaw', '-n', namespace, '-o', 'name');
    assert.deepEqual(out.trim().split('\n').sort(), [
      'agentrun.k8sclaw.io/alice-hello',
      'clawinstance.k8sclaw.io/alice',
      'clawpolicy.k8sclaw.io/default-policy',
      'clawschedule.k8sclaw.io/daily-standup',
      'skillpack.k8sclaw.io/k8s-ops',
    ]);
  });

  it('shows the printer columns through short names', async () => {
    const header = async (resource: string) =>
      (await kubectl(kubeconfig, 'get', resource, '-n', namespace))
        .split('\n')[0]
        ?.trim()
        .split(/\s{2,}/);
    assert.deepEqual(await header('ar'), ['NAME', 'INSTANCE', 'PHASE', 'POD', 'DURATION', 'AGE', 'PARENT']);
    assert.deepEqual(await header('ci'), ['NAME', 'PHASE', 'PROVIDER', 'MODEL', 'ACTIVE', 'TOTAL', 'AGE']);
    assert.deepEqual(await header('cp'), ['NAME', 'DEFAULT ACTION', 'BOUND', 'AGE']);
    assert.deepEqual(await header('sp'), ['NAME', 'SKILLS', 'CONFIGMAP', 'AGE']);
    assert.deepEqual(await header('sched'), [
      'NAME',
      'INSTANCE',
      'SCHEDULE',
      'TYPE',
      'SUSPEND',
      'LAST RUN',
      'NEXT RUN',
      'AGE',
    ]);
    const row = (await kubectl(kubeconfig, 'get', 'ci', 'alice', '-n', namespace, '--no-headers'))
      .trim()
      .split(/\s+/);
    assert.deepEqual(row.slice(0, 3), ['alice', 'openai', 'gpt-4o-mini']);
  });

  it('fills in defaults on the server', async () => {
    const schedule = JSON.parse(
      await kubectl(kubeconfig, 'get', 'sched', 'daily-standup', '-n', namespace, '-o', 'json'),
    ) as {
      spec: Record<string, unknown>;
    };
    assert.equal(schedule.spec.suspend, false);
    assert.equal(schedule.spec.successfulRunsHistoryLimit, 3);
    assert.equal(schedule.spec.failedRunsHistoryLimit, 1);
  });

  it('keeps an AgentRun spec immutable', async () => {
    const error = await kubectl(
      kubeconfig,
      'patch',
      'ar',
      'alice-hello',
      '-n',
      namespace,
      '--type=merge',
      '-p',
      '{"spec":{"task":"something else"}}',
    ).then(
      () => undefined,
      (e: { stderr?: string }) => e.stderr ?? '',
    );
    assert.match(error ?? '', /spec is immutable/);
  });

  it('writes status only through the status subresource', async () => {
    const status = {
      apiVersion: 'k8sclaw.io/v1alpha1',
      kind: 'AgentRun',
      metadata: { name: 'alice-hello', namespace },
      status: { phase: 'Running' },
    };
    const agentRuns = { group: 'k8sclaw.io', version: 'v1alpha1', plural: 'agentruns' };
    await kube.applyStatus(agentRuns, status, 'k8sclaw-test');
    const out = await kubectl(kubeconfig, 'get', 'ar', 'alice-hello', '-n', namespace, '--no-headers');
    assert.match(out, /alice-hello\s+alice\s+Running/);
    const invalid = await kube
      .applyStatus(agentRuns, { ...status, status: { phase: 'Exploded' } }, 'k8sclaw-test')
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    assert.ok(invalid instanceof KubeApiError);
    assert.match(invalid.message, /status\.phase/);
  });
});
