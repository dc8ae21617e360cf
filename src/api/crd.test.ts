import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { describe, it } from 'node:test';
import {
  buildCustomResourceDefinition,
  customResourceDefinitionFileName,
  renderCustomResourceDefinitionYaml,
} from './crd.ts';
import { findKind, kinds } from './kinds.ts';

const basesDir = new URL('../../config/crd/bases/', import.meta.url);

describe('CRD generation', () => {
  it('config/crd/bases is up to date with src/api (run `make manifests` after changing a schema)', () => {
    const files = readdirSync(basesDir).sort();
    assert.deepEqual(files, kinds.map(customResourceDefinitionFileName).sort());
    for (const kind of kinds) {
      const onDisk = readFileSync(new URL(customResourceDefinitionFileName(kind), basesDir), 'utf8');
      assert.equal(
        onDisk,
        renderCustomResourceDefinitionYaml(kind),
        `${customResourceDefinitionFileName(kind)} is stale`,
      );
    }
  });

  for (const kind of kinds) {
    it(`${kind.kind}: namespaced, status subresource, category k8sclaw, short names, Age column`, () => {
      const crd = buildCustomResourceDefinition(kind);
      const version = crd.spec.versions[0];
      assert.equal(crd.spec.scope, 'Namespaced');
      assert.deepEqual(crd.spec.names.categories, ['k8sclaw']);
      assert.ok(crd.spec.names.shortNames.length > 0);
      assert.deepEqual(version?.subresources, { status: {} });
      assert.equal(
        version?.additionalPrinterColumns.at(-1)?.name === 'Age' ||
          version?.additionalPrinterColumns.some((c) => c.name === 'Age'),
        true,
      );
      const schema = JSON.stringify(version?.schema);
      assert.doesNotMatch(
        schema,
        /"const"|patternProperties/,
        'structural schemas allow neither const nor patternProperties',
      );
    });
  }

  it('has the printer columns of the API contract', () => {
    const columns = (name: string) => findKind(name)?.printerColumns.map((c) => c.name);
    assert.deepEqual(columns('ClawInstance'), ['Phase', 'Provider', 'Model', 'Active', 'Total', 'Age']);
    assert.deepEqual(columns('AgentRun')?.slice(0, 6), [
      'Instance',
      'Phase',
      'Pod',
      'Duration',
      'Age',
      'Parent',
    ]);
    assert.deepEqual(columns('ClawPolicy'), ['Default Action', 'Bound', 'Age']);
    assert.deepEqual(columns('SkillPack'), ['Skills', 'ConfigMap', 'Age']);
    assert.deepEqual(columns('ClawSchedule'), [
      'Instance',
      'Schedule',
      'Type',
      'Suspend',
      'Last Run',
      'Next Run',
      'Age',
    ]);
  });

  it('finds kinds by kind, plural, singular and short name', () => {
    assert.equal(findKind('ar')?.kind, 'AgentRun');
    assert.equal(findKind('sched')?.kind, 'ClawSchedule');
    assert.equal(findKind('clawpolicies')?.kind, 'ClawPolicy');
    assert.equal(findKind('skillpack')?.kind, 'SkillPack');
    assert.equal(findKind('nope'), undefined);
  });
});
