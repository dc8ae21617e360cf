// `k8sclaw onboard --non-interactive` as a script runs it, against the real apiserver: the Secret,
// the ClawPolicy and the ClawInstance appear; a re-run with the same answers changes nothing (the
// resourceVersions stay); a changed model changes only the instance; the key is never printed.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { clawInstanceKind, clawPolicyKind, resourceOf, type ClawInstance } from '../../../src/api/index.ts';
import { runCli } from '../../harness/cli.ts';
import { installCrds } from '../../harness/crds.ts';
import { integrationKubeClient, integrationKubeconfigPath } from '../../harness/integration.ts';
import { createTestNamespace, deleteTestNamespace } from '../../harness/test-namespace.ts';

describe('k8sclaw onboard --non-interactive', () => {
  const kube = integrationKubeClient();
  let namespace = '';
  const key = 'sk-onboard-secret-value';
  const env = { KUBECONFIG: integrationKubeconfigPath(), MY_KEY: key, TG_TOKEN: 'tg-secret-token' };
  const onboard = (...extra: string[]) =>
    runCli(
      [
        'onboard',
        '--non-interactive',
        '-n',
        namespace,
        '--instance',
        'alice',
        '--provider',
        'openai',
        '--api-key-env',
        'MY_KEY',
        '--channel',
        'telegram',
        '--channel-token-env',
        'TG_TOKEN',
        '--policy',
        'default',
        ...extra,
      ],
      env,
      120_000,
    );
  const versions = async () => ({
    secret: (await kube.core.readNamespacedSecret({ name: 'alice-openai', namespace })).metadata
      ?.resourceVersion,
    policy: (
      (await kube.customObjects.getNamespacedCustomObject({
        ...resourceOf(clawPolicyKind),
        namespace,
        name: 'default',
      })) as ClawInstance
    ).metadata.resourceVersion,
    instance: (await readInstance()).metadata.resourceVersion,
  });
  const readInstance = async () =>
    (await kube.customObjects.getNamespacedCustomObject({
      ...resourceOf(clawInstanceKind),
      namespace,
      name: 'alice',
    })) as ClawInstance;

  before(async () => {
    await installCrds(kube);
    namespace = await createTestNamespace(kube, 'cli-onboard');
  });
  after(async () => {
    await deleteTestNamespace(kube, namespace);
  });

  it('applies the Secrets, the policy and the instance; a re-run changes only what changed', async () => {
    const first = await onboard('--model', 'gpt-4o-mini');
    assert.equal(first.code, 0, first.stderr);
    assert.equal(
      first.stdout,
      [
        'secret/alice-openai applied',
        'secret/alice-telegram applied',
        'clawpolicy/default applied',
        'clawinstance/alice applied',
        '',
      ].join('\n'),
    );
    assert.ok(!`${first.stdout}${first.stderr}`.includes(key), 'the key is not printed');
    const secret = await kube.core.readNamespacedSecret({ name: 'alice-openai', namespace });
    assert.equal(Buffer.from(secret.data?.['api-key'] ?? '', 'base64').toString(), key);
    const token = await kube.core.readNamespacedSecret({ name: 'alice-telegram', namespace });
    assert.equal(Buffer.from(token.data?.TELEGRAM_BOT_TOKEN ?? '', 'base64').toString(), 'tg-secret-token');
    const instance = await readInstance();
    assert.deepEqual(instance.spec.agents.default.authSecretRef, { name: 'alice-openai', key: 'api-key' });
    assert.equal(instance.spec.policyRef, 'default');
    assert.deepEqual(instance.spec.channels, [{ type: 'telegram', secretRef: { name: 'alice-telegram' } }]);

    const before = await versions();
    const again = await onboard('--model', 'gpt-4o-mini');
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual(await versions(), before, 'the same answers change nothing');

    const changed = await onboard('--model', 'gpt-4.1');
    assert.equal(changed.code, 0, changed.stderr);
    const after = await versions();
    assert.equal(after.secret, before.secret);
    assert.equal(after.policy, before.policy);
    assert.notEqual(after.instance, before.instance);
    assert.equal((await readInstance()).spec.agents.default.model, 'gpt-4.1');
  });

  it('refuses to run without the key, naming the variable and not asking on a script', async () => {
    const result = await runCli(
      [
        'onboard',
        '--non-interactive',
        '-n',
        namespace,
        '--instance',
        'bob',
        '--provider',
        'anthropic',
        '--model',
        'm',
      ],
      { KUBECONFIG: integrationKubeconfigPath(), ANTHROPIC_API_KEY: '' },
      120_000,
    );
    assert.equal(result.code, 2);
    assert.equal(
      result.stderr,
      'Error: provider anthropic needs an API key: set --api-key-env to a variable holding it\n',
    );
  });

  it('without --non-interactive and without a terminal, says how to run it and exits with 2', async () => {
    const result = await runCli(
      ['onboard', '-n', namespace],
      { KUBECONFIG: integrationKubeconfigPath() },
      120_000,
    );
    assert.equal(result.code, 2);
    assert.equal(
      result.stderr,
      'Error: onboard asks its questions on a terminal: without one, use onboard --non-interactive with flags\n',
    );
  });
});
