// Reconciles that events cause: a controller that alone writes its kind's status is not woken by its
// own status writes (counted on its k8sclaw_reconcile_total metric).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { apiVersion, type ClawPolicy } from '../../../src/api/index.ts';
import { useControllerSuite } from '../../harness/controller-suite.ts';
import { eventually } from '../../harness/eventually.ts';

const group = { group: 'k8sclaw.io', version: 'v1alpha1' };

/** The sum of k8sclaw_reconcile_total over results for one controller. */
function reconciles(metrics: string, controller: string): number {
  let total = 0;
  for (const line of metrics.split('\n')) {
    const match = /^k8sclaw_reconcile_total\{([^}]*)\} (\d+)/.exec(line);
    if (match?.[1]?.includes(`controller="${controller}"`)) total += Number(match[2]);
  }
  return total;
}

describe('controller event filters', () => {
  const suite = useControllerSuite('event-filters');

  it('does not reconcile a ClawPolicy again for its own status write', async () => {
    const [controller] = suite.controllers;
    assert.ok(controller);
    await eventually('the controller to lead', async () =>
      (await controller.isLeader()) ? true : undefined,
    );
    const before = reconciles(await controller.metrics(), 'clawpolicy');
    await suite.kube.customObjects.createNamespacedCustomObject({
      ...group,
      namespace: suite.namespace,
      plural: 'clawpolicies',
      body: {
        apiVersion,
        kind: 'ClawPolicy',
        metadata: { name: 'quiet', namespace: suite.namespace },
        spec: {},
      },
    });
    await eventually('the status to be written', async () => {
      const policy = (await suite.kube.customObjects.getNamespacedCustomObject({
        ...group,
        namespace: suite.namespace,
        plural: 'clawpolicies',
        name: 'quiet',
      })) as ClawPolicy;
      return policy.status?.boundInstances === 0 ? true : undefined;
    });
    // room for the update event of that write to arrive and be handled, if it were not filtered
    await sleep(1_500);
    assert.equal(reconciles(await controller.metrics(), 'clawpolicy') - before, 1);
  });
});
