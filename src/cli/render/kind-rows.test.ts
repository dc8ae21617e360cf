// The row renderers of each kind, as tables of named cases, and their agreement with the CRDs'
// printer columns (what `kubectl get` shows), so the CLI and kubectl say the same.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  agentRunKind,
  apiVersion,
  clawInstanceKind,
  clawPolicyKind,
  clawScheduleKind,
  skillPackKind,
  type ClawSchedule,
  type KindDescriptor,
} from '../../api/index.ts';
import {
  instanceFixture,
  policyFixture,
  runFixture,
  skillPackFixture,
  withPolicy,
} from '../../../test/fixtures/k8sclaw-objects.ts';
import { instanceRows } from './instance-rows.ts';
import { policyRows } from './policy-rows.ts';
import type { RowRenderer } from './row-renderer.ts';
import { runRows } from './run-rows.ts';
import { scheduleRows } from './schedule-rows.ts';
import { skillPackRows } from './skill-pack-rows.ts';

const now = new Date('2026-11-30T10:00:00Z');
const created = { creationTimestamp: '2026-11-30T09:55:00Z' };

function cells<T>(renderer: RowRenderer<T>, object: T, wide = false): string[] {
  return renderer.columns.filter((c) => wide || !c.wide).map((c) => c.cell(object, now));
}

function scheduleFixture(modify: (s: ClawSchedule) => void = () => {}): ClawSchedule {
  const schedule: ClawSchedule = {
    apiVersion,
    kind: 'ClawSchedule',
    metadata: { name: 'nightly', namespace: 'team-a', ...created },
    spec: { instanceRef: 'alice', schedule: '0 3 * * *', task: 'Sweep\nthe logs.', type: 'sweep' },
  };
  modify(schedule);
  return schedule;
}

describe('printer columns: the same as the CRDs', () => {
  const pairs: [KindDescriptor, RowRenderer<never>][] = [
    [clawInstanceKind, instanceRows as RowRenderer<never>],
    [agentRunKind, runRows as RowRenderer<never>],
    [clawPolicyKind, policyRows as RowRenderer<never>],
    [skillPackKind, skillPackRows as RowRenderer<never>],
    [clawScheduleKind, scheduleRows as RowRenderer<never>],
  ];
  for (const [kind, renderer] of pairs) {
    it(`${kind.kind}: every printer column, wide ones only in wide output`, () => {
      const narrow = renderer.columns.filter((c) => !c.wide).map((c) => c.header);
      const wide = renderer.columns.filter((c) => c.wide).map((c) => c.header);
      assert.deepEqual(
        narrow,
        kind.printerColumns.filter((c) => !c.priority).map((c) => c.name),
      );
      for (const column of kind.printerColumns.filter((c) => c.priority))
        assert.ok(wide.includes(column.name));
    });
  }
});

describe('row renderers', () => {
  const cases: { name: string; actual: () => string[]; expected: string[] }[] = [
    {
      name: 'instance: a new one has no phase yet and no runs',
      actual: () =>
        cells(
          instanceRows,
          instanceFixture((i) => Object.assign(i.metadata, created)),
        ),
      expected: ['<none>', 'openai', 'gpt-4o-mini', '0', '0', '5m'],
    },
    {
      name: 'instance, wide: policy and channel types',
      actual: () =>
        cells(
          instanceRows,
          instanceFixture(withPolicy, (i) => {
            i.status = { phase: 'Ready', activeRuns: 2, totalRuns: 7 };
            i.spec.channels = [{ type: 'slack', secretRef: { name: 's' } }];
          }),
          true,
        ),
      expected: ['Ready', 'openai', 'gpt-4o-mini', '2', '7', '<unknown>', 'default-policy', 'slack'],
    },
    {
      name: 'run: pending, without pod or duration',
      actual: () =>
        cells(
          runRows,
          runFixture((r) => Object.assign(r.metadata, created)),
        ),
      expected: ['alice', '<none>', '<none>', '<none>', '5m', '<none>'],
    },
    {
      name: 'run, wide: a finished sub-agent, with its parent and the task on one line',
      actual: () =>
        cells(
          runRows,
          runFixture((r) => {
            Object.assign(r.metadata, created);
            r.spec.task = 'Say\nhello.';
            r.spec.parent = { runName: 'alice-lead', spawnDepth: 1 };
            r.status = { phase: 'Succeeded', podName: 'alice-hello-x1', duration: '12s' };
          }),
          true,
        ),
      expected: ['alice', 'Succeeded', 'alice-hello-x1', '12s', '5m', 'alice-lead', 'Say hello.'],
    },
    {
      name: 'run, wide: a long task is cut with an ellipsis',
      actual: () =>
        cells(
          runRows,
          runFixture((r) => (r.spec.task = 'x'.repeat(100))),
          true,
        ).slice(-1),
      expected: [`${'x'.repeat(59)}…`],
    },
    {
      name: 'policy: default action and bound instances',
      actual: () =>
        cells(
          policyRows,
          policyFixture((p) => {
            Object.assign(p.metadata, created);
            p.spec.toolGating = { defaultAction: 'deny' };
            p.status = { boundInstances: 3 };
          }),
        ),
      expected: ['deny', '3', '5m'],
    },
    {
      name: 'policy, wide: only the gates it enables, sorted',
      actual: () =>
        cells(
          policyRows,
          policyFixture((p) => {
            p.spec.featureGates = { 'sub-agents': true, 'code-execution': true, 'memory-write': false };
          }),
          true,
        ).slice(-1),
      expected: ['code-execution,sub-agents'],
    },
    {
      name: 'skill pack: before the controller counted, the spec says how many',
      actual: () =>
        cells(
          skillPackRows,
          skillPackFixture((s) => Object.assign(s.metadata, created)),
        ),
      expected: ['2', '<none>', '5m'],
    },
    {
      name: 'skill pack, wide: with its ConfigMap and skill names',
      actual: () =>
        cells(
          skillPackRows,
          skillPackFixture((s) => (s.status = { skillCount: 2, configMapName: 'skillpack-k8s-ops' })),
          true,
        ),
      expected: ['2', 'skillpack-k8s-ops', '<unknown>', 'triage-alerts,write-standup'],
    },
    {
      name: 'schedule: never ran, next run ahead',
      actual: () =>
        cells(
          scheduleRows,
          scheduleFixture((s) => (s.status = { nextRunTime: '2026-11-30T10:04:00Z' })),
        ),
      expected: ['alice', '0 3 * * *', 'sweep', 'false', '<none>', 'in 4m', '5m'],
    },
    {
      name: 'schedule, wide: suspended, ran before, task on one line',
      actual: () =>
        cells(
          scheduleRows,
          scheduleFixture((s) => {
            s.spec.suspend = true;
            s.status = { lastRunTime: '2026-11-30T09:00:00Z' };
          }),
          true,
        ),
      expected: ['alice', '0 3 * * *', 'sweep', 'true', '60m', '<none>', '5m', 'Sweep the logs.'],
    },
  ];
  for (const c of cases) it(c.name, () => assert.deepEqual(c.actual(), c.expected));
});
