// SkillPack reconciler through the controller binary on the real apiserver (+ controller-manager for
// garbage collection): the ConfigMap follows the pack, status follows the ConfigMap, a user's
// ConfigMap of the same name is never overwritten, and deleting the pack removes its ConfigMap.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { apiVersion, type SkillPack } from '../../../src/api/index.ts';
import { useControllerSuite } from '../../harness/controller-suite.ts';
import { eventually, whenGone } from '../../harness/eventually.ts';

const group = { group: 'k8sclaw.io', version: 'v1alpha1', plural: 'skillpacks' };

describe('SkillPack reconciler', () => {
  const suite = useControllerSuite('skillpack');
  const { kube } = suite;
  let namespace = '';
  before(() => {
    namespace = suite.namespace;
  });
  const pack = (name: string, skills: { name: string; content: string }[]) => ({
    apiVersion,
    kind: 'SkillPack',
    metadata: { name, namespace },
    spec: { skills },
  });
  const readPack = async (name: string) =>
    (await kube.customObjects.getNamespacedCustomObject({ ...group, namespace, name })) as SkillPack;

  it('renders one ConfigMap key per skill, owned by the pack, and reports it in status', async () => {
    await kube.customObjects.createNamespacedCustomObject({
      ...group,
      namespace,
      body: pack('ops', [
        { name: 'triage', content: '# Triage\nList alerts.' },
        { name: 'standup', content: '# Standup' },
      ]),
    });
    const status = await eventually('status with the ConfigMap', async () => {
      const current = await readPack('ops');
      return current.status?.configMapName ? current.status : undefined;
    });
    assert.equal(status.configMapName, 'skillpack-ops');
    assert.equal(status.skillCount, 2);
    assert.match(status.contentHash ?? '', /^[0-9a-f]{64}$/);
    const configMap = await kube.core.readNamespacedConfigMap({ name: 'skillpack-ops', namespace });
    assert.deepEqual(configMap.data, { 'triage.md': '# Triage\nList alerts.', 'standup.md': '# Standup' });
    assert.equal(configMap.metadata?.ownerReferences?.[0]?.kind, 'SkillPack');
    assert.equal(configMap.metadata?.ownerReferences?.[0]?.controller, true);
  });

  it('follows changes of the skills and their hash', async () => {
    const before = await readPack('ops');
    await kube.customObjects.patchNamespacedCustomObject({
      ...group,
      namespace,
      name: 'ops',
      body: [{ op: 'replace', path: '/spec/skills', value: [{ name: 'triage', content: '# Triage v2' }] }],
    });
    const status = await eventually('the new hash', async () => {
      const current = await readPack('ops');
      return current.status?.contentHash !== before.status?.contentHash && current.status?.skillCount === 1
        ? current.status
        : undefined;
    });
    assert.equal(status.observedGeneration, 2);
    const configMap = await kube.core.readNamespacedConfigMap({ name: 'skillpack-ops', namespace });
    assert.deepEqual(configMap.data, { 'triage.md': '# Triage v2' });
  });

  it("never overwrites a user's ConfigMap and says so in a condition", async () => {
    await kube.core.createNamespacedConfigMap({
      namespace,
      body: { metadata: { name: 'skillpack-mine' }, data: { 'notes.txt': 'my own data' } },
    });
    await kube.customObjects.createNamespacedCustomObject({
      ...group,
      namespace,
      body: pack('mine', [{ name: 'a', content: '# A' }]),
    });
    const ready = await eventually('the conflict condition', async () => {
      const condition = (await readPack('mine')).status?.conditions?.find((c) => c.type === 'Ready');
      return condition?.reason === 'ConfigMapNotOwned' ? condition : undefined;
    });
    assert.equal(ready.status, 'False');
    assert.match(ready.message, /not owned by this SkillPack/);
    const configMap = await kube.core.readNamespacedConfigMap({ name: 'skillpack-mine', namespace });
    assert.deepEqual(configMap.data, { 'notes.txt': 'my own data' });
    const events = await kube.core.listNamespacedEvent({
      namespace,
      fieldSelector: 'involvedObject.name=mine',
    });
    assert.ok(events.items.some((e) => e.reason === 'ConfigMapNotOwned' && e.type === 'Warning'));
  });

  it('removes the ConfigMap with the pack', async () => {
    await kube.customObjects.deleteNamespacedCustomObject({ ...group, namespace, name: 'ops' });
    await eventually(
      'the garbage collector to delete skillpack-ops',
      whenGone(() => kube.core.readNamespacedConfigMap({ name: 'skillpack-ops', namespace })),
    );
  });
});
