import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { findKind } from './kinds.ts';
import { compileMessageValidator, formatFieldErrors, validateObject } from './validation.ts';
import { Type } from '@sinclair/typebox';

const samplesDir = new URL('../../config/samples/', import.meta.url);
const samples = readdirSync(samplesDir)
  .filter((f) => f.endsWith('.yaml'))
  .map((f) => ({ file: f, object: parse(readFileSync(new URL(f, samplesDir), 'utf8')) as { kind: string } }));

describe('shared validation', () => {
  it('has a sample for every kind', () => {
    assert.deepEqual(
      new Set(samples.map((s) => s.object.kind)),
      new Set(['ClawInstance', 'AgentRun', 'ClawPolicy', 'SkillPack', 'ClawSchedule']),
    );
  });

  for (const { file, object } of samples) {
    it(`accepts the sample ${file}`, () => {
      const kind = findKind(object.kind);
      assert.ok(kind);
      assert.deepEqual(validateObject(kind, object), []);
    });
  }

  const schedule = (spec: Record<string, unknown>) => ({
    apiVersion: 'k8sclaw.io/v1alpha1',
    kind: 'ClawSchedule',
    metadata: { name: 's' },
    spec: { instanceRef: 'alice', task: 't', schedule: '0 9 * * *', ...spec },
  });
  const scheduleKind = findKind('ClawSchedule');
  assert.ok(scheduleKind);

  it('names schema violations by dotted field path', () => {
    const errors = validateObject(
      scheduleKind,
      schedule({ concurrencyPolicy: 'Sometimes', task: undefined }),
    );
    assert.match(formatFieldErrors(errors), /spec\.concurrencyPolicy: must be one of Forbid, Allow, Replace/);
    assert.ok(errors.some((e) => e.field === 'spec.task'));
  });

  it('catches what the apiserver cannot: impossible dates and unknown zones', () => {
    assert.deepEqual(
      validateObject(scheduleKind, schedule({ schedule: '0 0 31 2 *' })).map((e) => e.field),
      ['spec.schedule'],
    );
    assert.deepEqual(
      validateObject(scheduleKind, schedule({ timeZone: 'Nowhere/Land' })).map((e) => e.field),
      ['spec.timeZone'],
    );
  });

  it('names an unknown field itself, not only its parent', () => {
    const check = compileMessageValidator(
      Type.Object({ spec: Type.Object({ task: Type.String() }, { additionalProperties: false }) }),
    );
    const result = check({ spec: { task: 'x', tsak: 'y' } });
    assert.equal(result.ok, false);
    assert.deepEqual(result.ok ? [] : result.errors, [
      { field: 'spec.tsak', message: 'is not a known field' },
    ]);
  });

  it("bounds an instance's session history limits and accepts them within", () => {
    const instanceKind = findKind('ClawInstance');
    assert.ok(instanceKind);
    const instance = (sessions: Record<string, unknown>) => ({
      apiVersion: 'k8sclaw.io/v1alpha1',
      kind: 'ClawInstance',
      metadata: { name: 'alice' },
      spec: { agents: { default: { provider: 'ollama', model: 'llama3' } }, sessions },
    });
    assert.deepEqual(validateObject(instanceKind, instance({ historyTurns: 0, historyTokens: 50000 })), []);
    assert.deepEqual(
      validateObject(instanceKind, instance({ historyTurns: 201, historyTokens: 50001 })).map((e) => e.field),
      ['spec.sessions.historyTurns', 'spec.sessions.historyTokens'],
    );
  });
});
