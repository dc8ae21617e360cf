// `k8sclaw features` and `k8sclaw memory show` against the real apiserver: gates change in the
// ClawPolicy by server-side apply (other gates kept), unknown gates and policies are one sentence,
// and an instance's memory prints from its ConfigMap.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { clawPolicyKind, resourceOf, type ClawPolicy } from '../../../src/api/index.ts';
import { instanceManifest } from '../../fixtures/k8sclaw-objects.ts';
import { runCli } from '../../harness/cli.ts';
import { installCrds } from '../../harness/crds.ts';
import { integrationKubeClient, integrationKubeconfigPath } from '../../harness/integration.ts';
import { createTestNamespace, deleteTestNamespace } from '../../harness/test-namespace.ts';

describe('k8sclaw features and memory against the real apiserver', () => {
  const kube = integrationKubeClient();
  const env = { KUBECONFIG: integrationKubeconfigPath() };
  let namespace = '';
  const run = (args: string[]) => runCli([...args, '-n', namespace], env, 120_000);
  const gates = async (name: string) =>
    (
      (await kube.customObjects.getNamespacedCustomObject({
        ...resourceOf(clawPolicyKind),
        namespace,
        name,
      })) as ClawPolicy
    ).spec.featureGates;

  before(async () => {
    await installCrds(kube);
    namespace = await createTestNamespace(kube, 'cli-features');
    await kube.apply(
      {
        apiVersion: 'k8sclaw.io/v1alpha1',
        kind: 'ClawPolicy',
        metadata: { name: 'team', namespace },
        spec: { featureGates: { 'file-access': false } },
      },
      'k8sclaw-test',
    );
  });
  after(async () => {
    await deleteTestNamespace(kube, namespace);
  });

  it('enables and disables gates in the policy, keeping the others', async () => {
    const enabled = await run(['features', 'enable', 'code-execution', '--policy', 'team']);
    assert.equal(enabled.code, 0, enabled.stderr);
    assert.equal(enabled.stdout, 'clawpolicy "team": feature gate "code-execution" enabled\n');
    assert.deepEqual(await gates('team'), { 'file-access': false, 'code-execution': true });

    await run(['features', 'enable', 'sub-agents', '--policy', 'team']);
    const disabled = await run(['features', 'disable', 'code-execution', '--policy', 'team']);
    assert.equal(disabled.code, 0, disabled.stderr);
    assert.deepEqual(await gates('team'), {
      'file-access': false,
      'code-execution': false,
      'sub-agents': true,
    });

    const listed = await run(['features', 'list', '--policy', 'team']);
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, /^GATE +ENABLED +SOURCE$/m);
    assert.match(listed.stdout, /^sub-agents +true +policy$/m);
    assert.match(listed.stdout, /^network-access +false +default$/m);
  });

  it('refuses an unknown gate (exit 2) and an unknown policy (exit 1), changing nothing', async () => {
    const gate = await run(['features', 'enable', 'teleport', '--policy', 'team']);
    assert.equal(gate.code, 2);
    assert.equal(
      gate.stderr,
      'Error: unknown feature gate "teleport": the known gates are code-execution, sub-agents, network-access, file-access, browser-automation, memory-write, channel-send\n',
    );
    const policy = await run(['features', 'enable', 'sub-agents', '--policy', 'nope']);
    assert.equal(policy.code, 1);
    assert.equal(policy.stderr, `Error: clawpolicy "nope" not found in namespace "${namespace}"\n`);
    const list = await kube.customObjects.listNamespacedCustomObject({
      ...resourceOf(clawPolicyKind),
      namespace,
    });
    assert.deepEqual(
      (list as { items: ClawPolicy[] }).items.map((p) => p.metadata.name),
      ['team'],
    );
  });

  it("prints an instance's memory, and says when there is none yet", async () => {
    await kube.apply(instanceManifest('alice', namespace), 'k8sclaw-test');
    const before = await run(['memory', 'show', 'alice']);
    assert.equal(before.code, 1);
    assert.equal(
      before.stderr,
      'Error: clawinstance "alice" has no memory yet (ConfigMap "alice-memory" not found)\n',
    );
    await kube.core.createNamespacedConfigMap({
      namespace,
      body: { metadata: { name: 'alice-memory' }, data: { 'MEMORY.md': '# Memory\n\n- The sky is blue.\n' } },
    });
    const shown = await run(['memory', 'show', 'alice']);
    assert.equal(shown.code, 0, shown.stderr);
    assert.equal(shown.stdout, '# Memory\n\n- The sky is blue.\n');
    const missing = await run(['memory', 'show', 'bob']);
    assert.equal(missing.stderr, `Error: clawinstance "bob" not found in namespace "${namespace}"\n`);
  });
});
