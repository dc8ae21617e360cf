// The interactive `k8sclaw onboard` in a real pseudo-terminal against the real apiserver, its key
// checked against the scripted model server (which refuses any other key): the answers typed
// create the Secrets, the policy and the instance; the key typed is never drawn; a second run that
// keeps every answer but the model changes only the instance. And what a re-run can offer a user
// who may read the instance but not its Secrets.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  group,
  clawInstanceKind,
  clawPolicyKind,
  resourceOf,
  type ClawInstance,
  type ClawPolicy,
} from '../../../src/api/index.ts';
import { readExistingSetup, readPolicyAction } from '../../../src/cli/onboard/onboard-cluster.ts';
import { KubeClient } from '../../../src/kube/index.ts';
import { startScriptedModelServer, type ScriptedModelServer } from '../../fakes/model-server/index.ts';
import { CliTerminal, keys } from '../../harness/cli-terminal.ts';
import { installCrds } from '../../harness/crds.ts';
import { integrationKubeClient, integrationKubeconfigPath } from '../../harness/integration.ts';
import { buildTokenKubeconfigFrom } from '../../harness/kubeconfig.ts';
import { createTestNamespace, deleteTestNamespace } from '../../harness/test-namespace.ts';

describe('k8sclaw onboard on a terminal', () => {
  const kube = integrationKubeClient();
  const key = 'sk-typed-wizard-key';
  let namespace = '';
  let models: ScriptedModelServer;
  const terminals: CliTerminal[] = [];
  const onboard = () => {
    const terminal = new CliTerminal(['onboard', '-n', namespace], {
      KUBECONFIG: integrationKubeconfigPath(),
      OPENAI_API_KEY: '',
      TELEGRAM_BOT_TOKEN: 'tg-token-from-env',
    });
    terminals.push(terminal);
    return terminal;
  };
  const read = async <T>(kind: typeof clawInstanceKind, name: string) =>
    (await kube.customObjects.getNamespacedCustomObject({ ...resourceOf(kind), namespace, name })) as T;
  const versions = async () => ({
    secret: (await kube.core.readNamespacedSecret({ name: 'wiz-openai-compatible', namespace })).metadata
      ?.resourceVersion,
    token: (await kube.core.readNamespacedSecret({ name: 'wiz-telegram', namespace })).metadata
      ?.resourceVersion,
    policy: (await read<ClawPolicy>(clawPolicyKind, 'guarded')).metadata.resourceVersion,
    instance: (await read<ClawInstance>(clawInstanceKind, 'wiz')).metadata.resourceVersion,
  });

  before(async () => {
    await installCrds(kube);
    namespace = await createTestNamespace(kube, 'cli-wizard');
    models = await startScriptedModelServer({
      script: { models: ['qwen3', 'llama3'], conversations: [{ turns: [{ text: 'unused' }] }] },
      apiKey: key,
    });
  });
  after(async () => {
    for (const terminal of terminals) terminal.kill();
    await models.close();
    await deleteTestNamespace(kube, namespace);
  });

  it('creates what the answers say, checks the key, and a re-run changes only what changed', async () => {
    const first = onboard();
    await first.waitFor('K8sClaw is installed.');
    await first.answer('Instance name', 'wiz');
    // OpenAI, Anthropic, Azure OpenAI, Ollama, OpenAI-compatible endpoint
    await first.answer('Model provider', keys.down.repeat(4));
    await first.answer('Endpoint URL', `${models.url}/v1`);
    await first.answer('Model', 'qwen3');
    await first.answer('API key', key);
    await first.answer(`Check it against ${models.url}/v1/models?`, '');
    await first.waitFor('The provider answered: 2 models.');
    await first.answer('Chat channel', keys.down);
    await first.answer('Use the telegram token in $TELEGRAM_BOT_TOKEN?', '');
    await first.answer('ClawPolicy name', 'guarded');
    // allow, deny, ask
    await first.answer('Default action for tools no rule names', keys.down.repeat(2));
    await first.waitFor('clawinstance/wiz applied');
    await first.waitFor(`wiz is set up in namespace ${namespace}; try: k8sclaw runs create`);
    assert.equal(await first.exited, 0, first.text);
    assert.ok(!first.text.includes(key), 'the typed key is not drawn');

    const secret = await kube.core.readNamespacedSecret({ name: 'wiz-openai-compatible', namespace });
    assert.equal(Buffer.from(secret.data?.['api-key'] ?? '', 'base64').toString(), key);
    const token = await kube.core.readNamespacedSecret({ name: 'wiz-telegram', namespace });
    assert.equal(Buffer.from(token.data?.TELEGRAM_BOT_TOKEN ?? '', 'base64').toString(), 'tg-token-from-env');
    const policy = await read<ClawPolicy>(clawPolicyKind, 'guarded');
    assert.equal(policy.spec.toolGating?.defaultAction, 'ask');
    const instance = await read<ClawInstance>(clawInstanceKind, 'wiz');
    const { provider, model, baseURL, authSecretRef } = instance.spec.agents.default;
    assert.deepEqual(
      { provider, model, baseURL, authSecretRef },
      {
        provider: 'openai-compatible',
        model: 'qwen3',
        baseURL: `${models.url}/v1`,
        authSecretRef: { name: 'wiz-openai-compatible', key: 'api-key' },
      },
    );
    assert.equal(instance.spec.policyRef, 'guarded');
    assert.deepEqual(instance.spec.channels, [{ type: 'telegram', secretRef: { name: 'wiz-telegram' } }]);

    const before = await versions();
    const again = onboard();
    await again.answer('Instance name', 'wiz');
    await again.waitFor('wiz exists');
    await again.answer('Model provider');
    await again.answer('Endpoint URL');
    // the earlier model is the default: clear it and type another
    await again.answer('Model', `${'\u007f'.repeat(5)}llama3`);
    await again.answer('Keep the stored API key?');
    await again.answer('Check it against', keys.down);
    await again.answer('Chat channel');
    await again.answer('Keep the stored telegram token?');
    await again.answer('ClawPolicy name');
    await again.answer('Default action for tools no rule names');
    await again.waitFor('clawinstance/wiz applied');
    assert.equal(await again.exited, 0, again.text);
    const after = await versions();
    assert.deepEqual({ ...after, instance: before.instance }, before, 'only the instance changed');
    assert.notEqual(after.instance, before.instance);
    assert.equal((await read<ClawInstance>(clawInstanceKind, 'wiz')).spec.agents.default.model, 'llama3');
  });

  it('a re-run by a user who may read the instance but not its Secrets is asked for the key again', async () => {
    await kube.core.createNamespacedServiceAccount({ namespace, body: { metadata: { name: 'reader' } } });
    await kube.rbac.createNamespacedRole({
      namespace,
      body: {
        metadata: { name: 'instance-reader' },
        rules: [{ apiGroups: [group], resources: ['clawinstances'], verbs: ['get'] }],
      },
    });
    await kube.rbac.createNamespacedRoleBinding({
      namespace,
      body: {
        metadata: { name: 'instance-reader' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'instance-reader' },
        subjects: [{ kind: 'ServiceAccount', name: 'reader', namespace }],
      },
    });
    const token = (
      await kube.core.createNamespacedServiceAccountToken({
        name: 'reader',
        namespace,
        body: { spec: { audiences: [] } },
      })
    ).status?.token;
    assert.ok(token);
    const file = path.join(os.tmpdir(), `${namespace}-reader.kubeconfig`);
    await writeFile(
      file,
      buildTokenKubeconfigFrom(readFileSync(integrationKubeconfigPath(), 'utf8'), 'reader', token, namespace),
    );
    const reader = KubeClient.load(file);
    const existing = await readExistingSetup(reader, namespace, 'wiz');
    assert.deepEqual(existing, {
      provider: 'openai-compatible',
      model: 'llama3',
      baseUrl: `${models.url}/v1`,
      channel: { type: 'telegram', token: undefined },
      policyName: 'guarded',
    });
    await assert.rejects(readPolicyAction(reader, namespace, 'guarded'), {
      message: `permission denied: the current user cannot get clawpolicies in namespace "${namespace}"`,
    });
  });
});
