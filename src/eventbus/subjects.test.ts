import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RunIdentity } from '../api/run-events.ts';
import { BusError } from './bus-error.ts';
import {
  allRunHistoryFilter,
  buildMessageId,
  buildRunEventScopeFilter,
  buildRunEventSubject,
  buildRunHistorySubject,
  buildRunEventsFilter,
  buildRunInboxPrefix,
  buildRunInputConsumerName,
  buildRunInputSubject,
  completedEventsFilter,
  escapeNameToken,
  parseRunEventSubject,
  parseRunHistorySubject,
  runEventsStream,
  runInputStream,
  unescapeNameToken,
} from './subjects.ts';

const identity: RunIdentity = {
  namespace: 'team-a',
  instance: 'support.bot',
  run: 'support.bot-run-7',
  runUid: '3f2a9c1e-0b1d-4c55-9a51-7d0e8c2f6b10',
};

/** NATS subject matching, enough to check filters: `*` one token, `>` one or more at the end. */
function matches(filter: string, subject: string): boolean {
  const f = filter.split('.');
  const s = subject.split('.');
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '>') return s.length > i;
    if (i >= s.length || (f[i] !== '*' && f[i] !== s[i])) return false;
  }
  return f.length === s.length;
}

describe('subject tokens', () => {
  it('escape dots reversibly', () => {
    for (const name of ['a', 'support.bot', 'a.b.c-d', 'x-1.y-2']) {
      const token = escapeNameToken(name);
      assert.doesNotMatch(token, /\./);
      assert.equal(unescapeNameToken(token), name);
    }
  });

  it('refuse names that could widen a subject or collide after escaping', () => {
    for (const name of ['', '*', '>', 'a.>', 'a b', 'under_score', 'Upper', '.leading', 'a\tb']) {
      assert.throws(() => escapeNameToken(name), BusError, name);
    }
  });
});

describe('run subjects', () => {
  it('name the run and the event type', () => {
    assert.equal(
      buildRunEventSubject(identity, 'tool_call'),
      'k8sclaw.runs.team-a.support_bot.support_bot-run-7.tool_call',
    );
    assert.equal(buildRunInputSubject(identity), 'k8sclaw.input.team-a.support_bot.support_bot-run-7');
  });

  it('parse back to the identity they were built from', () => {
    assert.deepEqual(parseRunEventSubject(buildRunEventSubject(identity, 'completed')), {
      namespace: identity.namespace,
      instance: identity.instance,
      run: identity.run,
      type: 'completed',
    });
  });

  it('parse nothing that is not a run event subject', () => {
    for (const subject of [
      'k8sclaw.input.a.b.c',
      'k8sclaw.runs.a.b.c',
      'k8sclaw.runs.a.b.c.unknown',
      'k8sclaw.runs.a.b.c.d.completed',
      'other.runs.a.b.c.completed',
    ]) {
      assert.equal(parseRunEventSubject(subject), undefined, subject);
    }
  });

  it('the completed filter matches completed events of every run and nothing else', () => {
    const other = { ...identity, namespace: 'team-b', run: 'r' };
    assert.ok(matches(completedEventsFilter, buildRunEventSubject(identity, 'completed')));
    assert.ok(matches(completedEventsFilter, buildRunEventSubject(other, 'completed')));
    assert.ok(!matches(completedEventsFilter, buildRunEventSubject(identity, 'chunk')));
  });

  it("a run's filter matches its own events only", () => {
    const filter = buildRunEventsFilter(identity);
    assert.ok(matches(filter, buildRunEventSubject(identity, 'started')));
    assert.ok(matches(filter, buildRunEventSubject(identity, 'completed')));
    assert.ok(!matches(filter, buildRunEventSubject({ ...identity, run: 'support.bot-run-8' }, 'started')));
    assert.ok(!matches(filter, buildRunEventSubject({ ...identity, namespace: 'team-b' }, 'started')));
  });

  it('scopes a follower to one run, or to every run of one instance', () => {
    assert.equal(buildRunEventScopeFilter(identity), buildRunEventsFilter(identity));
    const instanceFilter = buildRunEventScopeFilter({
      namespace: identity.namespace,
      instance: identity.instance,
    });
    assert.ok(matches(instanceFilter, buildRunEventSubject(identity, 'chunk')));
    assert.ok(matches(instanceFilter, buildRunEventSubject({ ...identity, run: 'other' }, 'completed')));
    assert.ok(!matches(instanceFilter, buildRunEventSubject({ ...identity, instance: 'other' }, 'chunk')));
    assert.throws(() => buildRunEventScopeFilter({ namespace: 'ns', instance: '>' }), BusError);
  });

  it('every subject falls into its stream', () => {
    const [events] = runEventsStream.subjects;
    const [input] = runInputStream.subjects;
    assert.ok(events && matches(events, buildRunEventSubject(identity, 'status')));
    assert.ok(input && matches(input, buildRunInputSubject(identity)));
    assert.ok(!(events && matches(events, buildRunInputSubject(identity))));
  });
});

describe('history subjects', () => {
  it("name one run, parse back to it, and fall under the API server's filter", () => {
    const subject = buildRunHistorySubject(identity);
    assert.equal(subject, 'k8sclaw.history.team-a.support_bot.support_bot-run-7');
    assert.deepEqual(parseRunHistorySubject(subject), {
      namespace: 'team-a',
      instance: 'support.bot',
      run: 'support.bot-run-7',
    });
    assert.ok(matches(allRunHistoryFilter, subject));
    assert.ok(!matches(allRunHistoryFilter, buildRunEventSubject(identity, 'status')));
    assert.ok(!matches(buildRunEventsFilter(identity), subject));
  });

  it('parse nothing that is not a history request of a run', () => {
    for (const subject of [
      'k8sclaw.history.a.b',
      'k8sclaw.history.a.b.c.d',
      'k8sclaw.runs.a.b.c',
      'k8sclaw.history.a.*.c',
      'k8sclaw.history.A.b.c',
    ]) {
      assert.equal(parseRunHistorySubject(subject), undefined, subject);
    }
  });

  it('refuse a run whose name could widen the subject', () => {
    assert.throws(() => buildRunHistorySubject({ ...identity, run: '>' }), BusError);
  });
});

describe('per-run names', () => {
  it('derive the inbox prefix, consumer name and message id from the run uid', () => {
    assert.equal(buildRunInboxPrefix(identity), `_INBOX_${identity.runUid}`);
    assert.equal(buildRunInputConsumerName(identity), `input-${identity.runUid}`);
    assert.equal(buildMessageId(identity, 'e-1'), `${identity.runUid}:e-1`);
  });

  it('refuse a uid that is not one', () => {
    for (const runUid of ['', 'a.b', 'a>', 'a b', '*']) {
      assert.throws(() => buildRunInboxPrefix({ runUid }), BusError, runUid);
      assert.throws(() => buildRunInputConsumerName({ runUid }), BusError, runUid);
    }
  });
});

describe('streams', () => {
  it('keep events a day with a ten minute duplicate window, input an hour', () => {
    assert.equal(runEventsStream.name, 'K8SCLAW_RUN_EVENTS');
    assert.deepEqual(runEventsStream.subjects, ['k8sclaw.runs.>']);
    assert.equal(runEventsStream.maxAgeMs, 24 * 3_600_000);
    assert.equal(runEventsStream.duplicateWindowMs, 10 * 60_000);
    assert.equal(runInputStream.name, 'K8SCLAW_RUN_INPUT');
    assert.deepEqual(runInputStream.subjects, ['k8sclaw.input.>']);
    assert.equal(runInputStream.maxAgeMs, 3_600_000);
    assert.ok(runInputStream.duplicateWindowMs <= runInputStream.maxAgeMs);
  });
});
