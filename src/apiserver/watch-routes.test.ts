import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { matchWatchPath, watchRunEventsRoute, watchSessionEventsRoute } from './watch-routes.ts';

describe('watch paths', () => {
  it("matches a run's stream", () => {
    const target = matchWatchPath('/api/v1/namespaces/team-a/runs/r-1/events/watch?x=1');
    assert.equal(target?.kind, 'run');
    assert.equal(target?.route, watchRunEventsRoute);
    assert.deepEqual(target?.params, { namespace: 'team-a', name: 'r-1' });
  });

  it("matches a session's stream with its key URL-decoded", () => {
    const target = matchWatchPath(
      '/api/v1/namespaces/team-a/instances/claw/sessions/telegram%3A42%2Ft/events/watch',
    );
    assert.equal(target?.route, watchSessionEventsRoute);
    assert.deepEqual(target?.params, { namespace: 'team-a', name: 'claw', sessionKey: 'telegram:42/t' });
  });

  it('matches nothing else', () => {
    for (const url of [
      '/api/v1/namespaces/team-a/runs/r-1/events',
      '/api/v1/namespaces/team-a/runs/r-1/events/watch/more',
      '/api/v1/namespaces/team-a/instances/claw/sessions/k/events/watch/',
      '/api/v1/namespaces/team-a/runs/%E0%A4%A/events/watch',
      '/',
    ]) {
      assert.equal(matchWatchPath(url), undefined, url);
    }
  });

  it('needs what reading the run, or the session, needs', () => {
    assert.deepEqual(watchRunEventsRoute.access({ namespace: 'ns', name: 'r' }), [
      { verb: 'get', group: 'k8sclaw.io', resource: 'agentruns', namespace: 'ns', name: 'r' },
    ]);
    assert.deepEqual(watchSessionEventsRoute.access({ namespace: 'ns', name: 'claw', sessionKey: 'k' }), [
      { verb: 'get', group: 'k8sclaw.io', resource: 'clawinstances', namespace: 'ns', name: 'claw' },
    ]);
  });
});
