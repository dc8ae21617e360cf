// The events a WebSocket stream hands out, as async iterables: a run's events, or a session's (the
// events of its runs). Each replays what the session store holds (when there is one), then follows
// the event bus from the start of its retention, handing every event out once (EventSeam): the
// follow begins before anything the replay could have missed and repeats are dropped by run uid and
// event id. A run's stream ends after its `completed` event; a session's stream follows new runs
// until the caller stops it. A store that fails is skipped: the bus still holds the last day.
import type { RunEvent, RunIdentity } from '../api/index.ts';
import type { EventBus, RunEventScope } from '../eventbus/index.ts';
import type { Logger } from '../observability/index.ts';
import type { SessionStore } from '../session/index.ts';
import { EventSeam } from './event-seam.ts';

export type StoredEventReader = Pick<SessionStore, 'pageRunEvents' | 'listMessages'>;

export interface EventStreamDeps {
  bus: Pick<EventBus, 'followRunEvents'>;
  store?: StoredEventReader | undefined;
  logger?: Logger | undefined;
  signal: AbortSignal;
}

/** Pages read at most from the store for one run: beyond them the bus replays the rest. */
const maxStoredPages = 100;
const pageSize = 500;

async function* storedRunEvents(store: StoredEventReader, runUid: string): AsyncGenerator<RunEvent> {
  let token: string | undefined;
  for (let page = 0; page < maxStoredPages; page += 1) {
    const batch = await store.pageRunEvents(runUid, {
      limit: pageSize,
      ...(token ? { continue: token } : {}),
    });
    yield* batch.items;
    token = batch.continue;
    if (token === undefined) return;
  }
}

/** The run uids of a session, in the order their messages were stored. */
async function storedSessionRuns(
  store: StoredEventReader,
  session: { namespace: string; instance: string; sessionKey: string },
): Promise<string[]> {
  const uids: string[] = [];
  let token: string | undefined;
  for (let page = 0; page < maxStoredPages; page += 1) {
    const batch = await store.listMessages(session, {
      limit: pageSize,
      ...(token ? { continue: token } : {}),
    });
    for (const message of batch.items) {
      const uid = message.run?.uid;
      if (uid && !uids.includes(uid)) uids.push(uid);
    }
    token = batch.continue;
    if (token === undefined) break;
  }
  return uids;
}

const followOptions = (deps: EventStreamDeps) => ({
  signal: deps.signal,
  onError: (error: unknown) => deps.logger?.warn({ err: error }, 'following the event bus failed; resuming'),
});

function warnStoreSkipped(deps: EventStreamDeps, error: unknown): void {
  deps.logger?.warn({ err: error }, 'stored events unavailable; the stream replays from the event bus only');
}

/** A run's events from its first to its `completed` event. */
export async function* streamRunEvents(deps: EventStreamDeps, run: RunIdentity): AsyncGenerator<RunEvent> {
  const seam = new EventSeam();
  if (deps.store) {
    try {
      for await (const event of storedRunEvents(deps.store, run.runUid)) {
        if (!seam.admit(event)) continue;
        yield event;
        if (event.body.type === 'completed') return;
      }
    } catch (error) {
      warnStoreSkipped(deps, error);
    }
  }
  const scope: RunEventScope = { namespace: run.namespace, instance: run.instance, run: run.run };
  for await (const { value: event } of deps.bus.followRunEvents(scope, followOptions(deps))) {
    // an earlier run of the same name shares the subjects
    if (event.identity.runUid !== run.runUid || !seam.admit(event)) continue;
    yield event;
    if (event.body.type === 'completed') return;
  }
}

export interface SessionStreamDeps extends EventStreamDeps {
  /** Whether a run (seen on the bus) belongs to the session: its AgentRun says so. */
  isSessionRun: (identity: RunIdentity) => Promise<boolean>;
}

/** The events of a session's runs: those stored, then the instance's runs on the bus that are the session's. */
export async function* streamSessionEvents(
  deps: SessionStreamDeps,
  session: { namespace: string; instance: string; sessionKey: string },
): AsyncGenerator<RunEvent> {
  const seam = new EventSeam();
  /** Run uid → whether it is one of the session's runs; asked once per run. */
  const members = new Map<string, boolean>();
  if (deps.store) {
    try {
      for (const uid of await storedSessionRuns(deps.store, session)) {
        members.set(uid, true);
        for await (const event of storedRunEvents(deps.store, uid)) if (seam.admit(event)) yield event;
      }
    } catch (error) {
      warnStoreSkipped(deps, error);
    }
  }
  const scope: RunEventScope = { namespace: session.namespace, instance: session.instance };
  for await (const { value: event } of deps.bus.followRunEvents(scope, followOptions(deps))) {
    const uid = event.identity.runUid;
    let member = members.get(uid);
    if (member === undefined) {
      member = await deps.isSessionRun(event.identity);
      members.set(uid, member);
    }
    if (member && seam.admit(event)) yield event;
  }
}
