// The operator's terminal on the local cluster: `onboard --non-interactive` sets up an instance
// against the scripted model deployed in the test namespace, and the interactive wizard, answered
// key by key in a real terminal (tmux), does the same with a channel, the typed key never drawn;
// the TUI, in tmux, switches views, starts a run with /run and follows it to Succeeded, shows its
// logs, its description and its details, and deletes it after asking; a run's details show its
// events from the API server for a user with a bearer token (and say why not for one without);
// `runs list -o json` gives back the runs as the API server holds them.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { type AgentRun } from '../../src/api/index.ts';
import { instanceManifest, runManifest } from '../fixtures/k8sclaw-objects.ts';
import { runCli } from '../harness/cli.ts';
import { e2eKubeClient } from '../harness/e2e.ts';
import { eventually, whenGone } from '../harness/eventually.ts';
import { buildTokenKubeconfigFrom } from '../harness/kubeconfig.ts';
import { kubectl } from '../harness/kubectl.ts';
import { deployScriptedModel } from '../harness/scripted-model-in-cluster.ts';
import { createTestNamespace, deleteTestNamespace } from '../harness/test-namespace.ts';
import { TmuxTerminal } from '../harness/tmux-terminal.ts';
import type { ModelScript } from '../fakes/model-server/index.ts';

const group = { group: 'k8sclaw.io', version: 'v1alpha1' };

/** How many TCP ports the process `pid` listens on (its port-forwards: it serves nothing else). */
async function listeningPorts(pid: number): Promise<number> {
  const { stdout } = await promisify(execFile)('ss', ['-Hltnp']);
  return stdout.split('\n').filter((line) => line.includes(`pid=${pid},`)).length;
}

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
  let dir = '';
  /** Role and RoleBinding of the events reader in k8sclaw-system (to reach the API server). */
  let systemGrant = '';
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
    dir = await mkdtemp(path.join(os.tmpdir(), 'k8sclaw-terminal-'));
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
    if (systemGrant) {
      await kube.rbac
        .deleteNamespacedRoleBinding({ name: systemGrant, namespace: 'k8sclaw-system' })
        .catch(() => undefined);
      await kube.rbac
        .deleteNamespacedRole({ name: systemGrant, namespace: 'k8sclaw-system' })
        .catch(() => undefined);
    }
    if (dir) await rm(dir, { recursive: true, force: true });
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
        new RegExp(`${name} +alice +Succeeded +\\S+ +\\S+ +<none> +hello from the terminal run`),
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

      // Enter: the run's details with its result; the admin signs in with a client certificate,
      // which the API server does not take, so the details say there are no live events and why
      await tui.keys('Enter');
      await tui.waitFor(
        new RegExp(
          `Run ${namespace}/${name} on alice[\\s\\S]*Phase: +Succeeded[\\s\\S]*hello from the terminal run`,
        ),
      );
      await tui.waitFor(
        /\(no live events: the kube context's user has no bearer token[\s\S]*\(the details above are the AgentRun's status\)/,
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

  it("the TUI: a run's details show its events from the API server, as a user with a token", async () => {
    assert.equal(onboarded?.code, 0, onboarded?.stderr);
    // a user who may read K8sClaw's objects in the namespace and reach the API server's pods
    const reader = 'events-reader';
    await kube.core.createNamespacedServiceAccount({ namespace, body: { metadata: { name: reader } } });
    const grant = async (
      grantNamespace: string,
      name: string,
      rules: { apiGroups: string[]; resources: string[]; verbs: string[] }[],
    ) => {
      await kube.rbac.createNamespacedRole({
        namespace: grantNamespace,
        body: { metadata: { name }, rules },
      });
      await kube.rbac.createNamespacedRoleBinding({
        namespace: grantNamespace,
        body: {
          metadata: { name },
          roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
          subjects: [{ kind: 'ServiceAccount', namespace, name: reader }],
        },
      });
    };
    await grant(namespace, reader, [
      { apiGroups: ['k8sclaw.io'], resources: ['*'], verbs: ['get', 'list', 'watch'] },
      { apiGroups: [''], resources: ['pods', 'events'], verbs: ['get', 'list', 'watch'] },
    ]);
    systemGrant = `${namespace}-${reader}`;
    await grant('k8sclaw-system', systemGrant, [
      { apiGroups: [''], resources: ['services'], verbs: ['get'] },
      { apiGroups: [''], resources: ['pods'], verbs: ['list'] },
      { apiGroups: [''], resources: ['pods/portforward'], verbs: ['get', 'create'] },
    ]);
    const token = (
      await kube.core.createNamespacedServiceAccountToken({
        name: reader,
        namespace,
        body: { spec: { audiences: [] } },
      })
    ).status?.token;
    assert.ok(token);
    const readerKubeconfig = path.join(dir, 'reader.kubeconfig');
    await writeFile(
      readerKubeconfig,
      buildTokenKubeconfigFrom(await readFile(kubeconfig, 'utf8'), reader, token, namespace),
      { mode: 0o600 },
    );

    await kube.customObjects.createNamespacedCustomObject({
      ...group,
      namespace,
      plural: 'agentruns',
      body: runManifest('events-a', namespace, 'alice'),
    });
    await succeeded('events-a');
    const tui = await TmuxTerminal.start([], { KUBECONFIG: readerKubeconfig, TERM: 'xterm-256color' });
    try {
      await tui.waitFor(/\balice\b.*openai +gpt-4o-mini/);
      await tui.keys('2');
      await tui.waitFor(/events-a +alice +Succeeded/);
      // only this run, whatever other tests left
      await tui.keys('f');
      await tui.type('events-a');
      await tui.keys('Enter');
      await tui.waitFor(/filter: events-a/);
      await tui.keys('Enter');
      // the details, then the run's stored events as the stream replays them, and its end
      const shown = await tui.waitFor(
        new RegExp(
          `Run ${namespace}/events-a on alice[\\s\\S]*Phase: +Succeeded[\\s\\S]*Events:\\n` +
            'started +openai/gpt-4o-mini\\n[\\s\\S]*hello from the terminal run[\\s\\S]*' +
            'succeeded +\\d+ in / \\d+ out tokens, 0 tool calls\\n\\(events ended: run completed\\)',
        ),
        60_000,
      );
      assert.doesNotMatch(shown, /no live events/);
      await tui.keys('Escape');
      await tui.waitFor(/events-a +alice +Succeeded/);
      // opened again, it follows the run again from its first event
      await tui.keys('Enter');
      await tui.waitFor(/started +openai\/gpt-4o-mini[\s\S]*\(events ended: run completed\)/, 60_000);

      // a run that waits (its instance's sandbox asks for more CPUs than any node has, so it is
      // never scheduled and the run has no events) keeps its stream open while the details are
      // shown: the TUI listens on its port-forward then, and no longer once the details close
      await tui.keys('Escape');
      await kube.apply(
        instanceManifest('nobody', namespace, {
          sandbox: {
            enabled: true,
            image: 'localhost/k8sclaw/sandbox:0.1.0',
            resources: { requests: { cpu: '1000' } },
          },
        }),
        'k8sclaw-test',
      );
      await kube.customObjects.createNamespacedCustomObject({
        ...group,
        namespace,
        plural: 'agentruns',
        body: runManifest('waits-a', namespace, 'nobody'),
      });
      await tui.keys('f');
      await tui.type('waits-a');
      await tui.keys('Enter');
      await tui.waitFor(/^waits-a +nobody /m);
      const pid = await tui.panePid();
      assert.equal(await listeningPorts(pid), 0, 'no port-forward before the details open');
      await tui.keys('Enter');
      await tui.waitFor(
        new RegExp(`Run ${namespace}/waits-a on nobody[\\s\\S]*Events:\\n\\(no events yet\\)`),
        60_000,
      );
      assert.equal(await listeningPorts(pid), 1, 'the port-forward of the open stream');
      await tui.keys('Escape');
      await tui.waitFor(/^waits-a +nobody /m);
      await eventually(
        'the port-forward to end with the details',
        async () => ((await listeningPorts(pid)) === 0 ? true : undefined),
        10_000,
        200,
      );

      await tui.keys('q');
      await eventually('the TUI to exit', async () => ((await tui.paneDead()) ? true : undefined), 10_000);
    } finally {
      await tui.close();
    }
    await kube.customObjects.deleteNamespacedCustomObject({
      ...group,
      namespace,
      plural: 'agentruns',
      name: 'waits-a',
    });
    await kube.customObjects.deleteNamespacedCustomObject({
      ...group,
      namespace,
      plural: 'agentruns',
      name: 'events-a',
    });
    for (const name of ['waits-a', 'events-a'])
      await eventually(
        `run ${name} to be gone`,
        whenGone(() => getRun(name)),
        60_000,
        500,
      );
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

  it('the interactive onboard wizard, answered key by key, creates the Secrets, the policy and the instance', async () => {
    const typedKey = `sk-e2e-typed-${randomBytes(6).toString('hex')}`;
    const typedToken = `424242:E2E-typed-${randomBytes(6).toString('hex')}`;
    // no key or token in the environment: the wizard asks for both, hidden
    const wizard = await TmuxTerminal.start(['onboard', '-n', namespace], {
      KUBECONFIG: kubeconfig,
      TERM: 'xterm-256color',
      OPENAI_API_KEY: '',
      TELEGRAM_BOT_TOKEN: '',
    });
    /** Waits for the question to be the active one, then types the text or keys and Enter. */
    const answer = async (question: string, answerWith: { text?: string; keys?: string[] } = {}) => {
      await wizard.waitFor(
        new RegExp(`^[◆*] +${question.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`, 'm'),
        60_000,
      );
      // let the prompt finish drawing and take the terminal (raw, no echo) before typing
      await sleep(150);
      if (answerWith.text !== undefined) await wizard.type(answerWith.text);
      for (const key of answerWith.keys ?? []) await wizard.keys(key);
      await wizard.keys('Enter');
    };
    try {
      await wizard.waitFor(/K8sClaw is installed\./, 60_000);
      await answer('Instance name', { text: 'bob' });
      // OpenAI, Anthropic, Azure OpenAI, Ollama, OpenAI-compatible endpoint
      await answer('Model provider', { keys: ['Down', 'Down', 'Down', 'Down'] });
      await answer('Endpoint URL', { text: baseURL });
      await answer('Model\n', { text: 'gpt-4o-mini' });
      await answer('API key', { text: typedKey });
      // the models endpoint is the in-cluster Service's, not reachable from here: no check
      await answer(`Check it against ${baseURL}/models?`, { keys: ['Down'] });
      // none, telegram, slack, discord, whatsapp
      await answer('Chat channel', { keys: ['Down'] });
      await answer('telegram token', { text: typedToken });
      await answer('ClawPolicy name', { text: 'bob-policy' });
      // allow, deny, ask
      await answer('Default action for tools no rule names', { keys: ['Down'] });
      await wizard.waitFor(new RegExp(`bob is set up in namespace ${namespace}`), 60_000);
      await eventually('onboard to exit', async () => ((await wizard.paneDead()) ? true : undefined), 10_000);
      const shown = await wizard.scrollback();
      assert.match(shown, /clawinstance\/bob applied/);
      assert.ok(!shown.includes(typedKey), 'the typed key is never drawn');
      assert.ok(!shown.includes(typedToken), 'the typed token is never drawn');
    } finally {
      await wizard.close();
    }

    // the Secrets hold what was typed (compared here, never printed)
    const keySecret = await kube.core.readNamespacedSecret({ name: 'bob-openai-compatible', namespace });
    assert.deepEqual(Object.keys(keySecret.data ?? {}), ['api-key']);
    assert.ok(
      Buffer.from(keySecret.data?.['api-key'] ?? '', 'base64').toString('utf8') === typedKey,
      'the key Secret holds the typed key',
    );
    const tokenSecret = await kube.core.readNamespacedSecret({ name: 'bob-telegram', namespace });
    assert.deepEqual(Object.keys(tokenSecret.data ?? {}), ['TELEGRAM_BOT_TOKEN']);
    assert.ok(
      Buffer.from(tokenSecret.data?.TELEGRAM_BOT_TOKEN ?? '', 'base64').toString('utf8') === typedToken,
      'the channel Secret holds the typed token',
    );
    const policy = (await kube.customObjects.getNamespacedCustomObject({
      ...group,
      namespace,
      plural: 'clawpolicies',
      name: 'bob-policy',
    })) as { spec: { toolGating?: { defaultAction?: string } } };
    assert.equal(policy.spec.toolGating?.defaultAction, 'deny');
    const instance = (await kube.customObjects.getNamespacedCustomObject({
      ...group,
      namespace,
      plural: 'clawinstances',
      name: 'bob',
    })) as {
      spec: { policyRef?: string; channels?: unknown[]; agents: { default: Record<string, unknown> } };
    };
    const { provider, model, baseURL: url, authSecretRef } = instance.spec.agents.default;
    assert.deepEqual(
      { provider, model, baseURL: url, authSecretRef },
      {
        provider: 'openai-compatible',
        model: 'gpt-4o-mini',
        baseURL,
        authSecretRef: { name: 'bob-openai-compatible', key: 'api-key' },
      },
    );
    assert.equal(instance.spec.policyRef, 'bob-policy');
    assert.deepEqual(instance.spec.channels, [{ type: 'telegram', secretRef: { name: 'bob-telegram' } }]);
  });
});
