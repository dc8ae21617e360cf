// Every view's rows as a table of cases: which objects it shows, its header and the cells of one
// object, in one namespace and in all, with a filter.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { apiVersion, labels, type ClawSchedule } from '../../api/index.ts';
import type { V1Pod } from '../../kube/index.ts';
import {
  instanceFixture,
  policyFixture,
  runFixture,
  skillPackFixture,
} from '../../../test/fixtures/k8sclaw-objects.ts';
import { viewById, viewHeaders, viewRows, type TuiObject, type ViewId } from './tui-views.ts';

const now = new Date('2026-11-30T10:00:00Z');
const created = '2026-11-30T09:55:00Z';

const schedule: ClawSchedule = {
  apiVersion,
  kind: 'ClawSchedule',
  metadata: { name: 'nightly', namespace: 'team-a', creationTimestamp: created },
  spec: { instanceRef: 'alice', schedule: '0 3 * * *', task: 'Sweep.', type: 'sweep' },
  status: { phase: 'Active', totalRuns: 4, lastRunTime: '2026-11-30T09:58:00Z' },
};

function pod(name: string, podLabels: Record<string, string>, restarts = 0): V1Pod {
  return {
    metadata: { name, namespace: 'team-a', labels: podLabels, creationTimestamp: new Date(created) },
    spec: { containers: [{ name: 'main' }] },
    status: {
      phase: 'Running',
      containerStatuses: [
        {
          name: 'main',
          ready: true,
          restartCount: restarts,
          image: 'x',
          imageID: 'x',
          state: { running: {} },
        },
      ],
    },
  };
}
const channelPod = pod('alice-telegram-7d9', {
  [labels.instance]: 'alice',
  [labels.channel]: 'telegram',
  [labels.component]: 'channel',
});
const runPod = pod('alice-hello-x1', { [labels.component]: 'agent-run', [labels.run]: 'alice-hello' }, 2);

const cases: { view: ViewId; objects: TuiObject[]; header: string[]; row: string[] }[] = [
  {
    view: 'instances',
    objects: [
      instanceFixture((i) => {
        i.metadata.creationTimestamp = created;
        i.spec.channels = [{ type: 'telegram', credentialsSecretRef: { name: 'tg' } }] as never;
        i.status = { phase: 'Running', activeRuns: 1, totalRuns: 3 } as never;
      }),
    ],
    header: ['Name', 'Phase', 'Provider', 'Model', 'Active', 'Total', 'Age', 'Policy', 'Channels', 'Memory'],
    row: ['alice', 'Running', 'openai', 'gpt-4o-mini', '1', '3', '5m', '<none>', 'telegram', '256KB'],
  },
  {
    view: 'runs',
    objects: [
      runFixture((r) => {
        r.metadata.creationTimestamp = created;
        r.status = { phase: 'Succeeded', duration: '12s', result: 'Hello!\nHow can I help?' };
      }),
    ],
    header: ['Name', 'Instance', 'Phase', 'Duration', 'Age', 'Parent', 'Result'],
    row: ['alice-hello', 'alice', 'Succeeded', '12s', '5m', '<none>', 'Hello! How can I help?'],
  },
  {
    view: 'policies',
    objects: [
      policyFixture((p) => {
        p.metadata.creationTimestamp = created;
        p.spec.toolGating = { defaultAction: 'deny' } as never;
        p.spec.featureGates = { 'sub-agents': true, 'code-execution': false } as never;
        p.status = { boundInstances: 2 } as never;
      }),
    ],
    header: ['Name', 'Default Action', 'Bound', 'Age', 'Enabled Gates'],
    row: ['default-policy', 'deny', '2', '5m', 'sub-agents'],
  },
  {
    view: 'skills',
    objects: [skillPackFixture((s) => (s.metadata.creationTimestamp = created))],
    header: ['Name', 'Skills', 'ConfigMap', 'Age'],
    row: [],
  },
  {
    view: 'channels',
    objects: [channelPod, runPod],
    header: ['Name', 'Instance', 'Channel', 'Ready', 'Status', 'Restarts', 'Age'],
    row: ['alice-telegram-7d9', 'alice', 'telegram', '1/1', 'Running', '0', '5m'],
  },
  {
    view: 'pods',
    objects: [runPod],
    header: ['Name', 'Component', 'Ready', 'Status', 'Restarts', 'Age'],
    row: ['alice-hello-x1', 'agent-run', '1/1', 'Running', '2', '5m'],
  },
  {
    view: 'schedules',
    objects: [schedule],
    header: [
      'Name',
      'Instance',
      'Schedule',
      'Type',
      'Suspend',
      'Last Run',
      'Next Run',
      'Age',
      'Phase',
      'Runs',
    ],
    row: ['nightly', 'alice', '0 3 * * *', 'sweep', 'false', '2m', '<none>', '5m', 'Active', '4'],
  },
];

describe('view rows', () => {
  for (const c of cases)
    it(c.view, () => {
      const view = viewById(c.view);
      assert.deepEqual(viewHeaders(view, false), c.header);
      const rows = viewRows(view, c.objects, { namespace: 'team-a', filter: '', now });
      assert.equal(rows.length, 1, 'one row per object the view shows');
      assert.equal(rows[0]!.cells.length, c.header.length);
      if (c.row.length) assert.deepEqual(rows[0]!.cells, c.row);
    });

  it('all namespaces: a namespace column first, rows sorted by namespace and name', () => {
    const view = viewById('runs');
    const objects = [
      runFixture((r) => (r.metadata = { ...r.metadata, name: 'b', namespace: 'team-b' })),
      runFixture((r) => (r.metadata = { ...r.metadata, name: 'z', namespace: 'team-a' })),
      runFixture((r) => (r.metadata = { ...r.metadata, name: 'a', namespace: 'team-b' })),
    ];
    assert.deepEqual(viewHeaders(view, true).slice(0, 2), ['Namespace', 'Name']);
    const rows = viewRows(view, objects, { namespace: undefined, filter: '', now });
    assert.deepEqual(
      rows.map((r) => r.cells.slice(0, 2)),
      [
        ['team-a', 'z'],
        ['team-b', 'a'],
        ['team-b', 'b'],
      ],
    );
    assert.deepEqual(
      viewRows(view, objects, { namespace: 'team-b', filter: '', now }).map((r) => r.key),
      ['team-b/a', 'team-b/b'],
    );
  });

  it('the filter keeps the names that contain it, ignoring case', () => {
    const objects = ['alpha', 'Beta', 'alphabet'].map((name) =>
      runFixture((r) => (r.metadata = { ...r.metadata, name })),
    );
    const rows = viewRows(viewById('runs'), objects, { namespace: 'team-a', filter: 'ALPHA', now });
    assert.deepEqual(
      rows.map((r) => r.cells[0]),
      ['alpha', 'alphabet'],
    );
  });

  it('a failed run shows its error as the result; memory off reads off', () => {
    const [row] = viewRows(
      viewById('runs'),
      [runFixture((r) => (r.status = { phase: 'Failed', error: 'model refused' }))],
      { namespace: 'team-a', filter: '', now },
    );
    assert.equal(row!.cells.at(-1), 'model refused');
    const [instance] = viewRows(
      viewById('instances'),
      [instanceFixture((i) => (i.spec.memory = { enabled: false }))],
      { namespace: 'team-a', filter: '', now },
    );
    assert.equal(instance!.cells.at(-1), 'off');
  });
});
