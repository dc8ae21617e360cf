// Sub-agents on the local cluster: a parent run's scripted model calls spawn_subagent twice; the
// installed controller creates each child (owned by the parent, one level deeper) from the request
// the parent's bridge publishes on NATS; each child's model tries to go one level deeper, beyond the
// policy's maxDepth, and gets a tool error it answers around; each child's answer returns to the
// parent's waiting tool call, and the parent's final answer carries both. Deleting the parent takes
// its children with it (garbage collection through their owner references). The parent's model key
// is its own override of the instance's (whose key the model refuses): the children inherit it, and
// the webhook admits the controller's children with it.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { apiVersion, labels, type AgentRun } from '../../src/api/index.ts';
import { instanceManifest, runManifest } from '../fixtures/k8sclaw-objects.ts';
import { runCli } from '../harness/cli.ts';
import { e2eKubeClient } from '../harness/e2e.ts';
import { eventually } from '../harness/eventually.ts';
import { kubectl } from '../harness/kubectl.ts';
import { deployScriptedModel, modelPrompts } from '../harness/scripted-model-in-cluster.ts';
import { finishedRun } from '../harness/finished-run.ts';
import { createTestNamespace, deleteTestNamespace } from '../harness/test-namespace.ts';
import type { ModelScript } from '../fakes/model-server/index.ts';

const group = { group: 'k8sclaw.io', version: 'v1alpha1' };

/** A child at maxDepth is not offered spawn_subagent: its call is refused with this reason. */
const depthRefusal = "the tool spawn_subagent is not allowed by the run's policy";

const childConversation = (name: string, count: number) => ({
  match: { userContains: `Count the ${name} files` },
  turns: [
    {
      toolCalls: [
        { name: 'spawn_subagent', arguments: { task: `Count the ${name} files one level deeper.` } },
      ],
    },
    { text: `${name}-count=${count} (no helper: {{tool:/(not allowed by the run's policy)/}})` },
  ],
});

const script: ModelScript = {
  conversations: [
    {
      match: { userContains: 'Delegate the counting' },
      turns: [
        {
          toolCalls: [
            { name: 'spawn_subagent', arguments: { task: 'Count the alpha files.' } },
            { name: 'spawn_subagent', arguments: { task: 'Count the beta files.' } },
          ],
        },
        { text: 'Both counted: {{tool:/(alpha-count=\\d+)/}} and {{tool:/(beta-count=\\d+)/}}.' },
      ],
    },
    childConversation('alpha', 3),
    childConversation('beta', 5),
  ],
};

describe('sub-agents on the local cluster', () => {
  const kube = e2eKubeClient();
  const kubeconfig = process.env.KUBECONFIG ?? '';
  let namespace = '';
  let modelKey = { name: '', key: '' };
  const listRuns = async (labelSelector?: string) =>
    (
      (await kube.customObjects.listNamespacedCustomObject({
        ...group,
        namespace,
        plural: 'agentruns',
        ...(labelSelector ? { labelSelector } : {}),
      })) as { items: AgentRun[] }
    ).items;
  const finished = (name: string, timeoutMs = 300_000) => finishedRun(kube, namespace, name, timeoutMs);

  before(async () => {
    const installed = await runCli(['install', '--profile', 'local']);
    assert.equal(installed.code, 0, installed.stderr);
    namespace = await createTestNamespace(kube, 'subagents', { waitForDefaultServiceAccount: true });
    const model = await deployScriptedModel(kubeconfig, namespace, script);
    await kube.customObjects.createNamespacedCustomObject({
      ...group,
      namespace,
      plural: 'clawpolicies',
      body: {
        apiVersion,
        kind: 'ClawPolicy',
        metadata: { name: 'team-policy', namespace },
        spec: {
          featureGates: { 'sub-agents': true },
          subagentPolicy: { maxDepth: 1 },
          runOverrides: { model: true },
        },
      },
    });
    // the instance's own key is one the model refuses: only the parent's override works
    await kube.core.createNamespacedSecret({
      namespace,
      body: { metadata: { name: 'stale-key' }, stringData: { 'api-key': 'not-the-key' } },
    });
    modelKey = model.keySecret;
    await kube.customObjects.createNamespacedCustomObject({
      ...group,
      namespace,
      plural: 'clawinstances',
      body: instanceManifest(
        'team',
        namespace,
        {
          provider: 'openai',
          model: 'gpt-4o-mini',
          baseURL: model.baseURL,
          authSecretRef: { name: 'stale-key', key: 'api-key' },
        },
        { policyRef: 'team-policy' },
      ),
    });
  });
  after(async () => {
    await deleteTestNamespace(kube, namespace);
    await runCli(['uninstall']);
  });

  it("runs two children for a parent with its key override, refuses a grandchild by depth, and returns both answers to the parent's calls", async () => {
    await kube.customObjects.createNamespacedCustomObject({
      ...group,
      namespace,
      plural: 'agentruns',
      body: runManifest('lead', namespace, 'team', {
        task: 'Delegate the counting of the files.',
        model: { authSecretRef: modelKey },
      }),
    });
    const lead = await finished('lead');
    const children = await listRuns(`${labels.parentRun}=lead`);
    const describeRuns = () =>
      JSON.stringify(
        children.map((c) => [c.metadata.name, c.status?.phase, c.status?.error, c.status?.result]),
      );
    assert.equal(lead.status?.phase, 'Succeeded', `${lead.status?.error ?? ''} children: ${describeRuns()}`);
    // the parent's answer is made of what its two spawn_subagent calls returned
    assert.equal(lead.status?.result, 'Both counted: alpha-count=3 and beta-count=5.');
    assert.equal(lead.status?.toolCalls, 2);

    // two children, owned by the parent, one level deeper, each done with its answer
    assert.equal(children.length, 2, describeRuns());
    const byTask = new Map(children.map((c) => [c.spec.task, c]));
    for (const [name, count] of [
      ['alpha', 3],
      ['beta', 5],
    ] as const) {
      const child = byTask.get(`Count the ${name} files.`);
      assert.ok(child, `the ${name} child: ${describeRuns()}`);
      assert.deepEqual(child.spec.parent, { runName: 'lead', spawnDepth: 1 });
      assert.equal(child.spec.instanceRef, 'team');
      // the parent's key override, admitted for the controller's child without its Secret rights
      assert.deepEqual(child.spec.model, { authSecretRef: modelKey });
      assert.deepEqual(
        child.metadata.ownerReferences?.map((o) => [o.kind, o.name, o.uid, o.controller]),
        [['AgentRun', 'lead', lead.metadata.uid, true]],
      );
      assert.equal(child.status?.phase, 'Succeeded', child.status?.error);
      // the child's model got the depth refusal as a tool error and answered around it
      assert.equal(
        child.status?.result,
        `${name}-count=${count} (no helper: not allowed by the run's policy)`,
      );
    }

    // no grandchild: the namespace holds the parent and its two children only
    const all = await listRuns();
    assert.deepEqual(
      all.map((r) => r.metadata.name).sort(),
      ['lead', ...children.map((c) => c.metadata.name)].sort(),
    );
    assert.ok(all.every((r) => (r.spec.parent?.spawnDepth ?? 0) <= 1));

    // what the models were sent: each child's spawn call came back as the depth refusal, and the
    // parent's two calls came back with the children's answers
    const prompts = await modelPrompts(kubeconfig, namespace);
    for (const name of ['alpha', 'beta']) {
      const childFinal = prompts.find(
        (messages) =>
          messages[0]?.text.includes(`Count the ${name} files`) && messages.some((m) => m.role === 'tool'),
      );
      assert.ok(childFinal, `the ${name} child's second model request`);
      const refusal = childFinal.find((m) => m.role === 'tool')?.text ?? '';
      assert.ok(refusal.startsWith(depthRefusal), refusal);
    }
    const leadFinal = prompts.find(
      (messages) =>
        messages[0]?.text.includes('Delegate the counting') && messages.some((m) => m.role === 'tool'),
    );
    assert.deepEqual(
      leadFinal?.filter((m) => m.role === 'tool').map((m) => m.text),
      [
        "alpha-count=3 (no helper: not allowed by the run's policy)",
        "beta-count=5 (no helper: not allowed by the run's policy)",
      ],
    );

    // the Parent printer column names the parent on each child's row
    const printed = await kubectl(kubeconfig, 'get', 'agentruns', '-n', namespace);
    assert.match(printed.split('\n')[0] ?? '', /\bPARENT\b/);
    for (const child of children) {
      assert.match(printed, new RegExp(`^${child.metadata.name}\\s.*\\blead\\b`, 'm'));
    }

    // the parent's Events tell people each child was created
    const started = await kube.core.listNamespacedEvent({
      namespace,
      fieldSelector: 'involvedObject.name=lead,reason=SubagentStarted',
    });
    assert.equal(started.items.length, 2);

    // deleting the parent deletes its children (garbage collection by owner reference)
    await kube.customObjects.deleteNamespacedCustomObject({
      ...group,
      namespace,
      plural: 'agentruns',
      name: 'lead',
    });
    await eventually(
      'the children garbage-collected with their parent',
      async () => ((await listRuns()).length === 0 ? true : undefined),
      120_000,
      1_000,
    );
  });
});
