// The TUI for a user whose rights end at one namespace (a ServiceAccount with a Role there), on
// the real apiserver: the data layer lists and watches that namespace; all namespaces is refused
// with a sentence and switching back works; and the real `k8sclaw`, in a pseudo-terminal, shows
// the namespace's runs, says what is refused under `a` and `-A`, and quits cleanly.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { group } from '../../../src/api/index.ts';
import { TuiData } from '../../../src/cli/tui/tui-data.ts';
import { viewById } from '../../../src/cli/tui/tui-views.ts';
import { KubeClient } from '../../../src/kube/index.ts';
import { runManifest } from '../../fixtures/k8sclaw-objects.ts';
import { CliTerminal } from '../../harness/cli-terminal.ts';
import { installCrds } from '../../harness/crds.ts';
import { eventually } from '../../harness/eventually.ts';
import { integrationKubeClient, integrationKubeconfigPath } from '../../harness/integration.ts';
import { buildTokenKubeconfigFrom } from '../../harness/kubeconfig.ts';
import { createTestNamespace, deleteTestNamespace } from '../../harness/test-namespace.ts';

describe('the TUI with one namespace’s rights', () => {
  const kube = integrationKubeClient();
  let namespace = '';
  let kubeconfig = '';
  const stops: (() => Promise<void>)[] = [];
  const runs = viewById('runs');

  before(async () => {
    await installCrds(kube);
    namespace = await createTestNamespace(kube, 'cli-tui-ns');
    await kube.core.createNamespacedServiceAccount({ namespace, body: { metadata: { name: 'tenant' } } });
    await kube.rbac.createNamespacedRole({
      namespace,
      body: {
        metadata: { name: 'tenant-view' },
        rules: [
          { apiGroups: [group], resources: ['*'], verbs: ['get', 'list', 'watch'] },
          { apiGroups: [''], resources: ['pods', 'events'], verbs: ['get', 'list', 'watch'] },
        ],
      },
    });
    await kube.rbac.createNamespacedRoleBinding({
      namespace,
      body: {
        metadata: { name: 'tenant-view' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'tenant-view' },
        subjects: [{ kind: 'ServiceAccount', name: 'tenant', namespace }],
      },
    });
    const token = (
      await kube.core.createNamespacedServiceAccountToken({
        name: 'tenant',
        namespace,
        body: { spec: { audiences: [] } },
      })
    ).status?.token;
    assert.ok(token);
    kubeconfig = path.join(os.tmpdir(), `${namespace}-tenant.kubeconfig`);
    // the context's namespace is the tenant's: the TUI shows it first
    await writeFile(
      kubeconfig,
      buildTokenKubeconfigFrom(readFileSync(integrationKubeconfigPath(), 'utf8'), 'tenant', token, namespace),
    );
    await kube.apply(runManifest('tenant-run', namespace, 'alice'), 'k8sclaw-test');
  });
  after(async () => {
    for (const stop of stops) await stop();
    await deleteTestNamespace(kube, namespace);
  });

  it('the data layer watches the one namespace; all namespaces is a sentence; and back', async () => {
    const data = new TuiData(KubeClient.load(kubeconfig), { retryBaseMs: 50 });
    stops.push(() => data.stop());
    data.watch(runs.resource, namespace);
    const listed = await eventually('the namespace listed', async () => {
      const snapshot = data.snapshot(runs.resource, namespace);
      return snapshot.synced ? snapshot : undefined;
    });
    assert.equal(listed.error, undefined);
    assert.deepEqual(
      listed.objects.map((o) => o.metadata?.name),
      ['tenant-run'],
    );

    data.watch(runs.resource, undefined);
    const refused = await eventually(
      'the refusal',
      async () => data.snapshot(runs.resource, undefined).error,
    );
    assert.equal(refused, 'permission denied: the current user cannot list agentruns in any namespace');
    assert.equal(
      data.snapshot(runs.resource, namespace).synced,
      false,
      'the namespace informer was replaced',
    );

    data.watch(runs.resource, namespace);
    await eventually('listed again', async () => data.snapshot(runs.resource, namespace).synced || undefined);
    assert.equal(data.snapshot(runs.resource, namespace).objects.length, 1);
  });

  it('`k8sclaw` on a terminal shows the namespace’s runs, says what a refuses, and quits', async () => {
    const terminal = new CliTerminal([], { KUBECONFIG: kubeconfig }, { columns: 100, rows: 24 });
    stops.push(async () => terminal.kill());
    await terminal.waitFor(new RegExp(`K8sClaw  \\S+  ${namespace}`));
    terminal.type('2');
    await terminal.waitFor(/tenant-run +alice/);
    terminal.type('a');
    await terminal.waitFor('permission denied: the current user cannot list agentruns in any namespace');
    await terminal.waitFor(`a: only namespace ${namespace}`);
    terminal.type('a');
    await terminal.waitFor(/tenant-run +alice/);
    terminal.type('q');
    assert.equal(await terminal.exited, 0, terminal.text.slice(-2000));
  });

  it('`k8sclaw -A` starts refused; `-n` names the namespace', async () => {
    const all = new CliTerminal(['-A'], { KUBECONFIG: kubeconfig }, { columns: 100, rows: 24 });
    stops.push(async () => all.kill());
    await all.waitFor('permission denied: the current user cannot list clawinstances in any namespace');
    all.type('q');
    assert.equal(await all.exited, 0);

    const named = new CliTerminal(
      ['-n', namespace, '--kubeconfig', kubeconfig],
      {},
      { columns: 100, rows: 24 },
    );
    stops.push(async () => named.kill());
    await named.waitFor(new RegExp(`K8sClaw  \\S+  ${namespace}`));
    named.type('2');
    await named.waitFor(/tenant-run +alice/);
    named.type('q');
    assert.equal(await named.exited, 0);
  });
});
