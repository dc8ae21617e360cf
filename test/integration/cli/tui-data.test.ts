// The TUI's data layer against the real apiserver: a run created after the view started watching
// appears in the Runs view's rows without any relist, its status change follows, its deletion
// removes the row; a user who may not list a resource gets a sentence in the view instead.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { agentRunKind, apiVersion, resourceOf } from '../../../src/api/index.ts';
import { render } from 'ink-testing-library';
import React from 'react';
import { TuiApp } from '../../../src/cli/tui/tui-app.ts';
import { TuiData } from '../../../src/cli/tui/tui-data.ts';
import { viewById, viewRows } from '../../../src/cli/tui/tui-views.ts';
import { KubeClient } from '../../../src/kube/index.ts';
import { runManifest } from '../../fixtures/k8sclaw-objects.ts';
import { installCrds } from '../../harness/crds.ts';
import { eventually } from '../../harness/eventually.ts';
import { integrationKubeClient, integrationKubeconfigPath } from '../../harness/integration.ts';
import { buildTokenKubeconfigFrom } from '../../harness/kubeconfig.ts';
import { createTestNamespace, deleteTestNamespace } from '../../harness/test-namespace.ts';

describe('the TUI data layer on the real apiserver', () => {
  const kube = integrationKubeClient();
  let namespace = '';
  const stops: (() => Promise<void>)[] = [];
  before(async () => {
    await installCrds(kube);
    namespace = await createTestNamespace(kube, 'cli-tui');
  });
  after(async () => {
    for (const stop of stops) await stop();
    await deleteTestNamespace(kube, namespace);
  });

  it('a created run appears in the Runs view, follows its status and leaves when deleted', async () => {
    const data = new TuiData(kube);
    stops.push(() => data.stop());
    const runs = viewById('runs');
    let changes = 0;
    data.subscribe(() => changes++);
    data.watch(runs.resource, namespace);
    await eventually(
      'the first list',
      async () => data.snapshot(runs.resource, namespace).synced || undefined,
    );
    const rows = () =>
      viewRows(runs, data.snapshot(runs.resource, namespace).objects, {
        namespace,
        filter: '',
        now: new Date(),
      });
    assert.deepEqual(rows(), []);

    await kube.apply(runManifest('tui-hello', namespace, 'alice'), 'k8sclaw-test');
    const row = await eventually('the run in the rows', async () => rows()[0]);
    assert.deepEqual(row.cells.slice(0, 3), ['tui-hello', 'alice', '<none>']);
    assert.ok(changes > 0, 'listeners heard of the change');

    await kube.applyStatus(
      resourceOf(agentRunKind),
      {
        apiVersion,
        kind: 'AgentRun',
        metadata: { name: 'tui-hello', namespace },
        status: { phase: 'Succeeded', result: 'Hello there.' },
      },
      'k8sclaw-test',
    );
    await eventually('the result in the row', async () =>
      rows()[0]?.cells.at(-1) === 'Hello there.' ? true : undefined,
    );
    assert.equal(rows()[0]?.cells[2], 'Succeeded');

    await kube.customObjects.deleteNamespacedCustomObject({
      ...resourceOf(agentRunKind),
      namespace,
      name: 'tui-hello',
    });
    await eventually('the row gone', async () => (rows().length === 0 ? true : undefined));
    assert.equal(data.snapshot(runs.resource, namespace).error, undefined);
  });

  it('the whole app, drawn by Ink, shows a run created while it runs', async () => {
    const data = new TuiData(kube);
    stops.push(() => data.stop());
    const app = render(
      React.createElement(TuiApp, {
        data,
        context: 'harness',
        namespace,
        now: () => new Date(),
        colour: false,
      }),
    );
    stops.push(async () => app.unmount());
    app.stdin.write('2');
    await eventually('the empty Runs view', async () =>
      app.lastFrame()?.includes(`No runs in ${namespace}.`) ? true : undefined,
    );
    await kube.apply(runManifest('tui-drawn', namespace, 'alice'), 'k8sclaw-test');
    await eventually('the run drawn', async () =>
      /tui-drawn +alice/.test(app.lastFrame() ?? '') ? true : undefined,
    );
  });

  it('a user who may not list runs gets a sentence in the view, not a crash', async () => {
    await kube.core.createNamespacedServiceAccount({ namespace, body: { metadata: { name: 'nobody' } } });
    const token = (
      await kube.core.createNamespacedServiceAccountToken({
        name: 'nobody',
        namespace,
        body: { spec: { audiences: [] } },
      })
    ).status?.token;
    assert.ok(token);
    const file = path.join(os.tmpdir(), `${namespace}-tui-nobody.kubeconfig`);
    await writeFile(
      file,
      buildTokenKubeconfigFrom(readFileSync(integrationKubeconfigPath(), 'utf8'), 'nobody', token, namespace),
    );
    const data = new TuiData(KubeClient.load(file), { retryBaseMs: 50 });
    stops.push(() => data.stop());
    const runs = viewById('runs');
    data.watch(runs.resource, undefined);
    const error = await eventually(
      'the error in the view',
      async () => data.snapshot(runs.resource, undefined).error,
    );
    assert.equal(error, 'permission denied: the current user cannot list agentruns in any namespace');
    assert.equal(data.snapshot(runs.resource, undefined).synced, false);
  });
});
