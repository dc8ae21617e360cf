// `k8sclaw runs|instances|…` as a user runs them (a separate process) against the real apiserver,
// in a fresh namespace: list/get/create/delete round trips, JSON that parses back to the objects,
// the kube context's namespace, and one-sentence errors for what is missing or forbidden. No
// controller runs here: the tests write a run's status themselves where they need one.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse, stringify } from 'yaml';
import { agentRunKind, resourceOf, type AgentRun } from '../../../src/api/index.ts';
import { instanceManifest, runManifest } from '../../fixtures/k8sclaw-objects.ts';
import { runCli } from '../../harness/cli.ts';
import { installCrds } from '../../harness/crds.ts';
import { eventually } from '../../harness/eventually.ts';
import { integrationKubeClient, integrationKubeconfigPath } from '../../harness/integration.ts';
import { buildTokenKubeconfigFrom } from '../../harness/kubeconfig.ts';
import { createTestNamespace, deleteTestNamespace } from '../../harness/test-namespace.ts';

describe('k8sclaw runs and instances against the real apiserver', () => {
  const kube = integrationKubeClient();
  const adminKubeconfig = integrationKubeconfigPath();
  const admin = { KUBECONFIG: adminKubeconfig };
  let namespace = '';
  const run = (args: string[], env: Record<string, string> = admin) => runCli(args, env, 120_000);
  const readRun = async (name: string) =>
    (await kube.customObjects.getNamespacedCustomObject({
      ...resourceOf(agentRunKind),
      namespace,
      name,
    })) as AgentRun;
  const setStatus = async (name: string, status: AgentRun['status']) =>
    await kube.applyStatus(
      resourceOf(agentRunKind),
      { apiVersion: 'k8sclaw.io/v1alpha1', kind: 'AgentRun', metadata: { name, namespace }, status },
      'k8sclaw-test',
    );

  before(async () => {
    await installCrds(kube);
    namespace = await createTestNamespace(kube, 'cli-runs');
    await kube.apply(instanceManifest('alice', namespace), 'k8sclaw-test');
  });
  after(async () => {
    await deleteTestNamespace(kube, namespace);
  });

  it('creates, lists, gets and deletes a run', async () => {
    const created = await run([
      'runs',
      'create',
      '--instance',
      'alice',
      '--task',
      'Say hello.',
      '--name',
      'hello',
      '-n',
      namespace,
    ]);
    assert.equal(created.code, 0, created.stderr);
    assert.equal(created.stdout, 'agentrun/hello created\n');
    assert.equal((await readRun('hello')).spec.task, 'Say hello.');

    const listed = await run(['runs', 'list', '-n', namespace]);
    assert.equal(listed.code, 0, listed.stderr);
    const [header, row] = listed.stdout.trimEnd().split('\n');
    assert.deepEqual(header?.split(/\s{2,}/), [
      'NAME',
      'INSTANCE',
      'PHASE',
      'POD',
      'DURATION',
      'AGE',
      'PARENT',
    ]);
    assert.match(row!, /^hello +alice +<none> +<none> +<none> +\d+s +<none>$/);

    const wide = await run(['runs', 'get', 'hello', '-n', namespace, '-o', 'wide']);
    assert.match(wide.stdout, /TASK\n.* Say hello\.\n$/);

    const deleted = await run(['runs', 'delete', 'hello', '-n', namespace]);
    assert.equal(deleted.code, 0, deleted.stderr);
    assert.equal(deleted.stdout, 'agentrun "hello" deleted\n');
    const empty = await run(['runs', 'list', '-n', namespace]);
    assert.equal(empty.code, 0);
    assert.equal(empty.stdout, '');
    assert.equal(empty.stderr, `No agentruns found in namespace "${namespace}".\n`);
  });

  it('prints JSON and YAML that parse back to the objects (without managedFields, as kubectl)', async () => {
    for (const name of ['json-a', 'json-b'])
      await kube.apply(runManifest(name, namespace, 'alice'), 'k8sclaw-test');
    const withoutManagedFields = (run: AgentRun): AgentRun => {
      const { managedFields, ...metadata } = run.metadata as AgentRun['metadata'] & {
        managedFields?: unknown;
      };
      assert.ok(managedFields, 'the server keeps managedFields');
      return { ...run, metadata };
    };
    const stored = [await readRun('json-a'), await readRun('json-b')].map(withoutManagedFields);
    const json = await run(['runs', 'list', '-n', namespace, '-o', 'json']);
    assert.equal(json.code, 0, json.stderr);
    assert.deepEqual((JSON.parse(json.stdout) as { items: AgentRun[] }).items, stored);
    const yaml = await run(['runs', 'list', '-n', namespace, '-o', 'yaml']);
    assert.deepEqual((parse(yaml.stdout) as { items: AgentRun[] }).items, stored);
    const one = await run(['runs', 'get', 'json-a', '-n', namespace, '-o', 'json']);
    assert.deepEqual(JSON.parse(one.stdout), stored[0]);
  });

  it("works in the kube context's namespace, and across all namespaces with -A", async () => {
    await kube.apply(runManifest('context-run', namespace, 'alice'), 'k8sclaw-test');
    const config = parse(readFileSync(adminKubeconfig, 'utf8')) as {
      contexts: { context: Record<string, string> }[];
    };
    config.contexts[0]!.context.namespace = namespace;
    const file = path.join(os.tmpdir(), `${namespace}-context.kubeconfig`);
    await writeFile(file, stringify(config));
    const inContext = await run(['runs', 'get', 'context-run'], { KUBECONFIG: file });
    assert.equal(inContext.code, 0, inContext.stderr);
    assert.match(inContext.stdout, /^context-run +alice/m);

    const all = await run(['runs', 'list', '-A']);
    assert.equal(all.code, 0, all.stderr);
    assert.match(all.stdout, /^NAMESPACE +NAME +INSTANCE/);
    assert.match(all.stdout, new RegExp(`^${namespace} +context-run +alice`, 'm'));

    const instances = await run(['instances', 'list'], { KUBECONFIG: file });
    assert.match(instances.stdout, /^alice +<none> +ollama +llama3 +0 +0 +\d+s$/m);
  });

  it('waits for a run with progress lines when not on a terminal, then prints its result', async () => {
    const waiting = run([
      'runs',
      'create',
      '--instance',
      'alice',
      '--task',
      'Wait.',
      '--name',
      'waited',
      '--wait',
      '-n',
      namespace,
    ]);
    await eventually(
      'the run to exist',
      async () => (await readRun('waited').catch(() => undefined)) && true,
    );
    await setStatus('waited', { phase: 'Running', podName: 'waited-pod' });
    await new Promise((resolve) => setTimeout(resolve, 3000));
    await setStatus('waited', { phase: 'Succeeded', podName: 'waited-pod', result: 'All done.' });
    const result = await waiting;
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, 'agentrun/waited created\nAll done.\n');
    assert.equal(
      result.stderr,
      [
        'agentrun/waited: Pending',
        'agentrun/waited: Running (pod waited-pod)',
        'agentrun/waited: Succeeded (pod waited-pod)',
        '',
      ].join('\n'),
    );
  });

  it('ends with exit code 1 and the reason when the run it waits for fails or outlasts --timeout', async () => {
    const waiting = run([
      'runs',
      'create',
      '--instance',
      'alice',
      '--task',
      'Fail.',
      '--name',
      'failing',
      '--wait',
      '-n',
      namespace,
    ]);
    await eventually(
      'the run to exist',
      async () => (await readRun('failing').catch(() => undefined)) && true,
    );
    await setStatus('failing', { phase: 'Failed', error: 'the model refused' });
    const result = await waiting;
    assert.equal(result.code, 1);
    assert.match(result.stderr, /Error: agentrun "failing" failed: the model refused\n$/);

    const late = await run([
      'runs',
      'create',
      '--instance',
      'alice',
      '--task',
      'Wait.',
      '--name',
      'late',
      '--wait',
      '--timeout',
      '2',
      '-n',
      namespace,
    ]);
    assert.equal(late.code, 1);
    assert.match(late.stderr, /Error: agentrun "late" is still Pending after 2s\n$/);
  });

  it('says when a run has no pod yet to read logs from, or its pod is gone', async () => {
    await kube.apply(runManifest('no-pod', namespace, 'alice'), 'k8sclaw-test');
    const noPod = await run(['runs', 'logs', 'no-pod', '-n', namespace]);
    assert.equal(noPod.code, 1);
    assert.equal(noPod.stderr, 'Error: agentrun "no-pod" has no pod yet (phase Pending)\n');
    await setStatus('no-pod', { phase: 'Running', podName: 'no-pod-abc12' });
    const gone = await run(['runs', 'logs', 'no-pod', '-f', '-n', namespace]);
    assert.equal(gone.code, 1);
    assert.equal(gone.stderr, 'Error: the pod "no-pod-abc12" of agentrun "no-pod" no longer exists\n');
    // the pod exists but no node runs it (this control plane has no kubelet)
    await kube.core.createNamespacedPod({
      namespace,
      body: {
        metadata: { name: 'no-pod-abc12' },
        spec: { containers: [{ name: 'agent', image: 'agent-runner:test' }] },
      },
    });
    const unscheduled = await run(['runs', 'logs', 'no-pod', '-n', namespace]);
    assert.equal(unscheduled.code, 1);
    assert.equal(
      unscheduled.stderr,
      'Error: container "agent" of agentrun "no-pod" has not started yet: its pod is not on a node yet\n',
    );
    // -f waits for the container to start, then reads its log (empty: no kubelet runs it here)
    const following = run(['runs', 'logs', 'no-pod', '-f', '-n', namespace]);
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const pod = await kube.core.readNamespacedPod({ name: 'no-pod-abc12', namespace });
    pod.status = {
      phase: 'Running',
      containerStatuses: [
        {
          name: 'agent',
          image: 'agent-runner:test',
          imageID: '',
          ready: true,
          restartCount: 0,
          state: { running: { startedAt: new Date() } },
        },
      ],
    };
    await kube.core.replaceNamespacedPodStatus({ name: 'no-pod-abc12', namespace, body: pod });
    const followed = await following;
    assert.equal(followed.code, 0, followed.stderr);
    assert.equal(
      followed.stderr,
      [
        'container "agent" of agentrun "no-pod" has not started yet: its pod is not on a node yet',
        'container "agent" started',
        '',
      ].join('\n'),
    );
  });

  it('names what is not found, in one sentence and exit code 1', async () => {
    for (const args of [
      ['runs', 'get', 'nope'],
      ['runs', 'delete', 'nope'],
      ['runs', 'logs', 'nope'],
    ]) {
      const result = await run([...args, '-n', namespace]);
      assert.equal(result.code, 1, args.join(' '));
      assert.equal(result.stderr, `Error: agentrun "nope" not found in namespace "${namespace}"\n`);
    }
    const instance = await run(['instances', 'get', 'nope', '-n', namespace]);
    assert.equal(instance.stderr, `Error: clawinstance "nope" not found in namespace "${namespace}"\n`);
  });

  it('says what the user may not do, in one sentence and exit code 1', async () => {
    await kube.core.createNamespacedServiceAccount({ namespace, body: { metadata: { name: 'nobody' } } });
    const token = (
      await kube.core.createNamespacedServiceAccountToken({
        name: 'nobody',
        namespace,
        body: { spec: { audiences: [] } },
      })
    ).status?.token;
    assert.ok(token);
    const file = path.join(os.tmpdir(), `${namespace}-nobody.kubeconfig`);
    await writeFile(
      file,
      buildTokenKubeconfigFrom(readFileSync(adminKubeconfig, 'utf8'), 'nobody', token, namespace),
    );
    const env = { KUBECONFIG: file };
    const list = await run(['runs', 'list'], env);
    assert.equal(list.code, 1);
    assert.equal(
      list.stderr,
      `Error: permission denied: the current user cannot list agentruns in namespace "${namespace}"\n`,
    );
    const all = await run(['instances', 'list', '-A'], env);
    assert.equal(
      all.stderr,
      'Error: permission denied: the current user cannot list clawinstances in any namespace\n',
    );
    const create = await run(['runs', 'create', '--instance', 'alice', '--task', 'x'], env);
    assert.equal(
      create.stderr,
      `Error: permission denied: the current user cannot create agentruns in namespace "${namespace}"\n`,
    );
  });

  it('rejects a command line it cannot use with exit code 2', async () => {
    const missing = await run(['runs', 'create', '--task', 'x', '-n', namespace]);
    assert.equal(missing.code, 2);
    assert.equal(missing.stderr, 'Error: runs create needs --instance (or a terminal to ask for it)\n');
    const badOutput = await run(['runs', 'list', '-o', 'xml']);
    assert.equal(badOutput.code, 2);
    assert.match(badOutput.stderr, /^error: option '-o, --output <format>' argument 'xml' is invalid/);
  });
});
