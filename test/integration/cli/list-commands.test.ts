// `k8sclaw <noun> list` for every kind, on the samples in config/samples, shows the same columns
// as `kubectl get` (the CRDs' printer columns) and one row per object.
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse } from 'yaml';
import type { KubernetesObject } from '../../../src/kube/index.ts';
import { repoRoot } from '../../harness/binaries.ts';
import { runCli } from '../../harness/cli.ts';
import { installCrds } from '../../harness/crds.ts';
import { integrationKubeClient, integrationKubeconfigPath } from '../../harness/integration.ts';
import { kubectl } from '../../harness/kubectl.ts';
import { createTestNamespace, deleteTestNamespace } from '../../harness/test-namespace.ts';

const samplesDir = path.join(repoRoot, 'config', 'samples');
const samples = readdirSync(samplesDir)
  .filter((f) => f.endsWith('.yaml'))
  .map((f) => parse(readFileSync(path.join(samplesDir, f), 'utf8')) as KubernetesObject);

const header = (table: string) =>
  table
    .split('\n')[0]
    ?.trim()
    .split(/\s{2,}/);

describe('k8sclaw list commands show what kubectl get shows', () => {
  const kube = integrationKubeClient();
  const kubeconfig = integrationKubeconfigPath();
  let namespace = '';
  before(async () => {
    await installCrds(kube);
    namespace = await createTestNamespace(kube, 'cli-lists');
    for (const sample of samples)
      await kube.apply({ ...sample, metadata: { ...sample.metadata, namespace } }, 'k8sclaw-test');
  });
  after(async () => {
    await deleteTestNamespace(kube, namespace);
  });

  const nouns: [noun: string, plural: string, kind: string][] = [
    ['instances', 'clawinstances', 'ClawInstance'],
    ['runs', 'agentruns', 'AgentRun'],
    ['schedules', 'clawschedules', 'ClawSchedule'],
    ['policies', 'clawpolicies', 'ClawPolicy'],
    ['skills', 'skillpacks', 'SkillPack'],
  ];
  for (const [noun, plural, kind] of nouns)
    it(`${noun} list`, async () => {
      const ours = await runCli([noun, 'list', '-n', namespace], { KUBECONFIG: kubeconfig });
      assert.equal(ours.code, 0, ours.stderr);
      const theirs = await kubectl(kubeconfig, 'get', plural, '-n', namespace);
      assert.deepEqual(header(ours.stdout), header(theirs));
      const rows = ours.stdout.trimEnd().split('\n').slice(1);
      assert.equal(rows.length, 1);
      const name = samples.find((s) => s.kind === kind)?.metadata?.name;
      assert.ok(name && rows[0]!.startsWith(`${name} `), rows[0]);
    });

  it('runs list -o wide adds the task column, as kubectl does', async () => {
    const ours = await runCli(['runs', 'list', '-o', 'wide', '-n', namespace], { KUBECONFIG: kubeconfig });
    const theirs = await kubectl(kubeconfig, 'get', 'agentruns', '-o', 'wide', '-n', namespace);
    assert.deepEqual(header(ours.stdout), header(theirs));
  });
  it('runs list reads and prints a page at a time (--chunk-size), one header, every run once', async () => {
    const runName = samples.find((s) => s.kind === 'AgentRun')?.metadata?.name ?? '';
    const sample = samples.find((s) => s.kind === 'AgentRun') as KubernetesObject & { spec: object };
    for (const name of ['paged-a', 'paged-b', 'paged-c', 'paged-d'])
      await kube.apply({ ...sample, metadata: { name, namespace } }, 'k8sclaw-test');
    const expected = ['paged-a', 'paged-b', 'paged-c', 'paged-d', runName].sort();

    const table = await runCli(['runs', 'list', '-n', namespace, '--chunk-size', '2'], {
      KUBECONFIG: kubeconfig,
    });
    assert.equal(table.code, 0, table.stderr);
    const lines = table.stdout.trimEnd().split('\n');
    assert.equal(lines.filter((line) => line.startsWith('NAME ')).length, 1, table.stdout);
    assert.deepEqual(
      lines
        .slice(1)
        .map((line) => line.split(/\s+/)[0])
        .sort(),
      expected,
    );

    const json = await runCli(['runs', 'list', '-n', namespace, '--chunk-size', '2', '-o', 'json'], {
      KUBECONFIG: kubeconfig,
    });
    const list = JSON.parse(json.stdout) as { items: KubernetesObject[] };
    assert.deepEqual(list.items.map((item) => item.metadata?.name).sort(), expected);

    const refused = await runCli(['runs', 'list', '-n', namespace, '--chunk-size', 'many'], {
      KUBECONFIG: kubeconfig,
    });
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /chunk-size/);
  });
});
