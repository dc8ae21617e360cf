// ClawSchedule reconciler through the controller binary on the real apiserver: an every-minute
// schedule creates its tick's run under a name derived from the tick, reports last and next run
// times, and with Forbid skips the next tick while that run is still active (runs never finish
// here: there is no node). Takes up to two minutes of wall time, for two real ticks.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { apiVersion, type AgentRun, type ClawSchedule } from '../../../src/api/index.ts';
import { useControllerSuite } from '../../harness/controller-suite.ts';
import { eventually } from '../../harness/eventually.ts';

const group = { group: 'k8sclaw.io', version: 'v1alpha1' };

describe('ClawSchedule reconciler', () => {
  const suite = useControllerSuite('clawschedule');
  const { kube } = suite;
  let namespace = '';
  before(() => {
    namespace = suite.namespace;
  });

  const listRuns = async () =>
    (
      (await kube.customObjects.listNamespacedCustomObject({ ...group, namespace, plural: 'agentruns' })) as {
        items: AgentRun[];
      }
    ).items;
  const readSchedule = async () =>
    (await kube.customObjects.getNamespacedCustomObject({
      ...group,
      namespace,
      plural: 'clawschedules',
      name: 'minutely',
    })) as ClawSchedule;

  it('creates the tick’s run and, with Forbid, skips the next tick while it is active', async () => {
    await kube.customObjects.createNamespacedCustomObject({
      ...group,
      namespace,
      plural: 'clawschedules',
      body: {
        apiVersion,
        kind: 'ClawSchedule',
        metadata: { name: 'minutely', namespace },
        spec: {
          instanceRef: 'alice',
          schedule: '* * * * *',
          task: 'heartbeat',
          type: 'heartbeat',
          concurrencyPolicy: 'Forbid',
        },
      },
    });
    const pending = await eventually(
      'the next run time',
      async () => (await readSchedule()).status?.nextRunTime,
    );
    const [first] = await eventually(
      'the first tick’s run',
      async () => {
        const runs = await listRuns();
        return runs.length > 0 ? runs : undefined;
      },
      80_000,
      500,
    );
    assert.ok(first);
    const tick = new Date(pending);
    assert.equal(first.metadata.name, `minutely-${Math.floor(tick.getTime() / 60_000)}`);
    assert.equal(first.metadata.annotations?.['k8sclaw.io/scheduled-at'], tick.toISOString());
    assert.equal(first.metadata.annotations?.['k8sclaw.io/schedule-type'], 'heartbeat');
    assert.equal(first.metadata.ownerReferences?.[0]?.kind, 'ClawSchedule');
    assert.deepEqual(first.spec, {
      instanceRef: 'alice',
      task: 'heartbeat',
      cleanup: 'keep',
      ttlSecondsAfterFinished: 86400,
    });

    const status = await eventually('the status after the tick', async () => {
      const current = (await readSchedule()).status;
      return current?.lastRunName === first.metadata.name ? current : undefined;
    });
    assert.equal(status.phase, 'Active');
    assert.deepEqual(status.activeRuns, [first.metadata.name]);
    assert.ok(new Date(status.nextRunTime ?? 0).getTime() > tick.getTime());

    const secondTick = new Date(status.nextRunTime ?? 0).getTime();
    await eventually(
      'the SkippedForbid event of the second tick',
      async () => {
        const events = await kube.core.listNamespacedEvent({
          namespace,
          fieldSelector: 'involvedObject.name=minutely',
        });
        return events.items.some((e) => e.reason === 'SkippedForbid') ? true : undefined;
      },
      Math.max(secondTick - Date.now(), 0) + 20_000,
      500,
    );
    assert.equal((await listRuns()).length, 1, 'Forbid: no second run while the first is active');
  });
});
