import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describeRemaining, releaseOurFinalizers } from './uninstall-plan.ts';

describe('uninstall plan', () => {
  it('releases only K8sClaw finalizers and leaves others in order', () => {
    assert.deepEqual(releaseOurFinalizers(['a.example/x', 'k8sclaw.io/instance', 'b.example/y']), [
      'a.example/x',
      'b.example/y',
    ]);
    assert.deepEqual(releaseOurFinalizers(['k8sclaw.io/instance']), []);
  });

  it('has nothing to release when no finalizer is ours', () => {
    assert.equal(releaseOurFinalizers(undefined), undefined);
    assert.equal(releaseOurFinalizers([]), undefined);
    assert.equal(releaseOurFinalizers(['kubernetes.io/pvc-protection', 'k8sclaw.iox/other']), undefined);
  });

  it('names what is left, with what holds it, up to a limit', () => {
    const text = describeRemaining(
      [
        { kind: 'ClawInstance', namespace: 'team-a', name: 'alice', finalizers: ['k8sclaw.io/instance'] },
        { kind: 'Pod', namespace: 'team-a', name: 'run-1-abcde', deleting: true },
        { kind: 'CustomResourceDefinition', name: 'agentruns.k8sclaw.io' },
      ],
      2,
    );
    assert.equal(
      text,
      '3 left: ClawInstance team-a/alice (finalizers: k8sclaw.io/instance), Pod team-a/run-1-abcde (deleting) and 1 more',
    );
    assert.equal(
      describeRemaining([{ kind: 'CustomResourceDefinition', name: 'agentruns.k8sclaw.io' }]),
      '1 left: CustomResourceDefinition agentruns.k8sclaw.io',
    );
  });
});
