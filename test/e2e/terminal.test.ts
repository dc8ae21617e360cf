// The operator's terminal on the local cluster: `onboard --non-interactive` sets up an instance
// against the scripted model deployed in the test namespace; the TUI, in a real terminal (tmux),
// switches views, starts a run with /run and follows it to Succeeded, shows its logs, its
// description and its details, and deletes it after asking; `runs list -o json` gives back the runs
// as the API server holds them.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type AgentRun } from '../../src/api/index.ts';
import { runManifest } from '../fixtures/k8sclaw-objects.ts';
import { runCli } from '../harness/cli.ts';
import { e2eKubeClient } from '../harness/e2e.ts';
import { eventually, whenGone } from '../harness/eventually.ts';
import { kubectl } from '../harness/kubectl.ts';
import { deployScriptedModel } from '../harness/scripted-model-in-cluster.ts';
import { createTestNamespace, deleteTestNamespace } from '../harness/test-namespace.ts';
import { TmuxTerminal } from '../harness/tmux-terminal.ts';
import type { ModelScript } from '../fakes/model-server/index.ts';

const group = { group: 'k8sclaw.io', version: 'v1alpha1' };

const script: ModelScript = {
  conversations: [{ turns: [{ text: 'hello from the terminal run' }] }],
};

describe('the operator terminal on the local cluster', () => {
  const kube = e2eKubeClient();
  const kubeconfig = process.env.KUBECONFIG ?? '';
  let namespace = '';
  let baseURL = '';
  let modelKey = '';
  let onboarded: { code: number; stdout: string; stderr: string } | undefined;
  const getRun = async (name: string) =>
    (await kube.customObjects.getNamespacedCustomObject({
      ...group,
      namespace,
      plural: 'agentruns',
      name,
    })) as AgentRun;
  const succeeded = (name: string) =>
    eventually(
      `run ${name} to succeed`,
      async () => {
        const run = await getRun(name);
        if (run.status?.phase === 'Failed') throw new Error(`run ${name} failed: ${run.status.error}`);
        return run.status?.phase === 'Succeeded' ? run : undefined;
      },
      180_000,
      1_000,
    );

  before(async () => {
    const installed = await runCli(['install', '--profile', 'local']);
    assert.equal(installed.code, 0, installed.stderr);
    namespace = await createTestNamespace(kube, 'terminal', { waitForDefaultServiceAccount: true });
    const model = await deployScriptedModel(kubeconfig, namespace, script);
    baseURL = model.baseURL;
    const keySecret = await kube.core.readNamespacedSecret({ name: model.keySecret.name, namespace });
    modelKey = Buffer.from(keySecret.data?.[model.keySecret.key] ?? '', 'base64').toString('utf8');
    onboarded = await runCli(
      [
        'onboard',
        '--non-interactive',
        '-n',
        namespace,
        '--instance',
        'alice',
        '--provider',
        'openai',
        '--model',
        'gpt-4o-mini',
        '--base-url',
        baseURL,
        '--api-key-env',
        'E2E_MODEL_KEY',
        '--policy',
        'terminal-policy',
      ],
      { KUBECONFIG: kubeconfig, E2E_MODEL_KEY: modelKey },
      120_000,
    );
  });
  after(async () => {
    await deleteTestNamespace(kube, namespace);
    await runCli(['uninstall']);
  });

  it('onboard --non-interactive creates the key Secret, the policy and the instance that uses them', async () => {
    assert.equal(onboarded?.code, 0, onboarded?.stderr);
    assert.doesNotMatch(`${onboarded?.stdout}${onboarded?.stderr}`, new RegExp(modelKey));
    const secret = await kube.core.readNamespacedSecret({ name: 'alice-openai', namespace });
    assert.equal(Buffer.from(secret.data?.['api-key'] ?? '', 'base64').toString('utf8'), modelKey);
    const policy = (await kube.customObjects.getNamespacedCustomObject({
      ...group,
      namespace,
      plural: 'clawpolicies',
      name: 'terminal-policy',
    })) as { spec: { toolGating?: { defaultAction?: string } } };
    assert.equal(policy.spec.toolGating?.defaultAction, 'allow');
    const instance = (await kube.customObjects.getNamespacedCustomObject({
      ...group,
      namespace,
      plural: 'clawinstances',
      name: 'alice',
    })) as { spec: { policyRef?: string; agents: { default: Record<string, unknown> } } };
    assert.equal(instance.spec.policyRef, 'terminal-policy');
    const { provider, model, baseURL: url, authSecretRef } = instance.spec.agents.default;
    assert.deepEqual(
      { provider, model, baseURL: url, authSecretRef },
      {
        provider: 'openai',
        model: 'gpt-4o-mini',
        baseURL,
        authSecretRef: { name: 'alice-openai', key: 'api-key' },
      },
    );
  });

  it('the TUI: views 1–7, /run to Succeeded, logs, describe, details, delete after asking', async () => {
    assert.equal(onboarded?.code, 0, onboarded?.stderr);
    const tui = await TmuxTerminal.start(['-n', namespace], {
      KUBECONFIG: kubeconfig,
      TERM: 'xterm-256color',
    });
    try {
      // view 1: the onboarded instance
      await tui.waitFor(new RegExp(`K8sClaw .*${namespace}`));
      await tui.waitFor(/NAME +PHASE +PROVIDER +MODEL[\s\S]*\balice\b.*openai +gpt-4o-mini/);
      // every view draws its own table or says it is empty, for this namespace
      const expected: [string, RegExp][] = [
        ['2', new RegExp(`No runs in ${namespace}\\.`)],
        ['3', /NAME +.*\n.*\bterminal-policy\b/],
        ['4', new RegExp(`No skills in ${namespace}\\.`)],
        ['5', new RegExp(`No channels in ${namespace}\\.`)],
        // only K8sClaw's own pods: the scripted model's is not one, and no run has a pod yet
        ['6', new RegExp(`No pods in ${namespace}\\.`)],
        ['7', new RegExp(`No schedules in ${namespace}\\.`)],
        ['1', /\balice\b.*openai +gpt-4o-mini/],
      ];
      for (const [key, shows] of expected) {
        await tui.keys(key);
        await tui.waitFor(shows);
      }
      // the help screen is drawn from the keymap
      await tui.keys('?');
      await tui.waitFor(/Keys[\s\S]*x +delete \(asks first\)/);
      await tui.keys('Escape');
      await tui.waitFor(/\balice\b.*openai/);

      // /run on the selected instance
      // typed in one piece, as a paste arrives: `/` opens the command line and the rest goes into it
      await tui.type('/run say hello from the terminal');
      await tui.waitFor(/run say hello from the terminal█/);
      await tui.keys('Enter');
      const created = await tui.waitFor(/agentrun\/(alice-[a-z0-9]+) created/);
      const name = /agentrun\/(alice-[a-z0-9]+) created/.exec(created)![1]!;
      assert.equal((await getRun(name)).spec.task, 'say hello from the terminal');

      // the Runs view follows it to Succeeded
      await tui.keys('2');
      await tui.waitFor(
        new RegExp(`${name} +alice +Succeeded +\\S+ +\\S+ +hello from the terminal run`),
        180_000,
      );
      const run = await succeeded(name);

      // the run's pod is in the Pods view
      await tui.keys('6');
      await tui.waitFor(new RegExp(`^${run.status?.podName} `, 'm'));
      await tui.keys('2');
      await tui.waitFor(new RegExp(`${name} +alice +Succeeded`));

      // l: the agent container's log of the run's pod
      await tui.keys('l');
      await tui.waitFor(new RegExp(`logs ${run.status?.podName} \\[.*\\*agent\\*.*\\]`));
      await tui.waitFor(/\(log ended\)/);
      await tui.keys('Escape');
      await tui.waitFor(new RegExp(`${name} +alice +Succeeded`));

      // d: the object and its events
      await tui.keys('d');
      await tui.waitFor(new RegExp(`describe ${name}[\\s\\S]*kind: AgentRun[\\s\\S]*instanceRef: alice`));
      await tui.keys('Escape');
      await tui.waitFor(new RegExp(`${name} +alice +Succeeded`));

      // Enter: the run's details with its result
      await tui.keys('Enter');
      await tui.waitFor(
        new RegExp(
          `Run ${namespace}/${name} on alice[\\s\\S]*Phase: +Succeeded[\\s\\S]*hello from the terminal run`,
        ),
      );
      await tui.keys('Escape');
      await tui.waitFor(new RegExp(`${name} +alice +Succeeded`));

      // x asks first; Esc keeps the run, y deletes it
      await tui.keys('x');
      await tui.waitFor(new RegExp(`Delete ${namespace}/${name}\\? y: yes, Esc: no`));
      await tui.keys('Escape');
      await tui.waitFor(new RegExp(`${name} +alice +Succeeded`));
      assert.equal((await getRun(name)).metadata.name, name);
      await tui.keys('x');
      await tui.waitFor(new RegExp(`Delete ${namespace}/${name}\\?`));
      await tui.keys('y');
      await tui.waitFor(new RegExp(`agentrun "${name}" deleted`));
      await eventually(
        'the run to be gone',
        whenGone(() => getRun(name)),
        60_000,
        500,
      );
      await tui.waitFor(new RegExp(`No runs in ${namespace}\\.`), 60_000);

      // q quits the program
      await tui.keys('q');
      await eventually('the TUI to exit', async () => ((await tui.paneDead()) ? true : undefined), 10_000);
    } finally {
      await tui.close();
    }
  });

  it('runs list -o json gives back the runs as the API server holds them', async () => {
    for (const name of ['json-a', 'json-b'])
      await kube.customObjects.createNamespacedCustomObject({
        ...group,
        namespace,
        plural: 'agentruns',
        body: runManifest(name, namespace, 'alice'),
      });
    await succeeded('json-a');
    await succeeded('json-b');
    const listed = await runCli(['runs', 'list', '-n', namespace, '-o', 'json'], { KUBECONFIG: kubeconfig });
    assert.equal(listed.code, 0, listed.stderr);
    const fromCli = JSON.parse(listed.stdout) as { kind: string; items: AgentRun[] };
    const fromKubectl = JSON.parse(
      await kubectl(kubeconfig, 'get', 'agentruns', '-n', namespace, '-o', 'json'),
    ) as {
      items: AgentRun[];
    };
    const byName = (items: AgentRun[]) =>
      [...items].sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
    assert.equal(fromCli.kind, 'List');
    assert.deepEqual(fromCli.items.map((r) => r.metadata.name).sort(), ['json-a', 'json-b']);
    assert.deepEqual(byName(fromCli.items), byName(fromKubectl.items));
  });
});
