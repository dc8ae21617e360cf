// The subject and stream vocabulary of the event bus: where a run's events and its input live, and
// the filters consumers and permissions are built from. Pure: no connection, no NATS import.
// Names become single subject tokens, so a name that could widen a filter (`*`, `>`, spaces) or an
// identity that could collide after escaping is refused here rather than trusted downstream.
import type { RunEventType, RunIdentity } from '../api/run-events.ts';
import { runEventTypes } from '../api/run-events.ts';
import { BusError } from './bus-error.ts';

export const subjectRoot = 'k8sclaw';
export const runEventsPrefix = `${subjectRoot}.runs`;
export const runInputPrefix = `${subjectRoot}.input`;
/** Requests (core NATS, not a stream) of a run's bridge for its session's history. */
export const runHistoryPrefix = `${subjectRoot}.history`;

/** Kubernetes names are lowercase alphanumerics, `-` and `.`; `.` is the one that needs escaping. */
const namePattern = /^[a-z0-9][a-z0-9.-]*$/;
/** metadata.uid: a UUID, used where `.` is not allowed at all (inbox prefix, consumer name). */
const uidPattern = /^[A-Za-z0-9][A-Za-z0-9-]*$/;

const minute = 60_000;
const hour = 60 * minute;

export interface StreamSpec {
  name: string;
  subjects: string[];
  maxAgeMs: number;
  duplicateWindowMs: number;
  /** Upper bound for one message: the largest event plus headroom for the envelope. */
  maxMessageBytes: number;
}

/** Every event of every run, kept a day: long enough for a controller outage, short enough for etcd-free history. */
export const runEventsStream: StreamSpec = {
  name: 'K8SCLAW_RUN_EVENTS',
  subjects: [`${runEventsPrefix}.>`],
  maxAgeMs: 24 * hour,
  duplicateWindowMs: 10 * minute,
  maxMessageBytes: 256 * 1024,
};

/** Follow-up messages for running agents: worthless once the run is over, so kept an hour. */
export const runInputStream: StreamSpec = {
  name: 'K8SCLAW_RUN_INPUT',
  subjects: [`${runInputPrefix}.>`],
  maxAgeMs: hour,
  duplicateWindowMs: 10 * minute,
  maxMessageBytes: 64 * 1024,
};

/**
 * Chat messages in, replies out and the receipts of those replies (see channel-subjects.ts), kept a
 * day: long enough for an API server or channel pod outage; the duplicate window covers a service
 * redelivering an update, the API server repeating a reply and a channel repeating a receipt after
 * a restart.
 */
export const channelsStream: StreamSpec = {
  name: 'K8SCLAW_CHANNELS',
  subjects: [`${subjectRoot}.channels.>`],
  maxAgeMs: 24 * hour,
  duplicateWindowMs: 60 * minute,
  maxMessageBytes: 256 * 1024,
};

export const busStreams = [runEventsStream, runInputStream, channelsStream] as const;

/** A Kubernetes name as one subject token: `.` becomes `_`, which Kubernetes names never contain. */
export function escapeNameToken(name: string): string {
  if (!namePattern.test(name)) {
    throw new BusError('bus.InvalidName', `"${name}" is not a Kubernetes name and cannot be a subject token`);
  }
  return name.replaceAll('.', '_');
}

export function unescapeNameToken(token: string): string {
  return token.replaceAll('_', '.');
}

function checkUid(uid: string): string {
  if (!uidPattern.test(uid)) {
    throw new BusError('bus.InvalidName', `"${uid}" is not a Kubernetes uid`);
  }
  return uid;
}

function runTokens(identity: Pick<RunIdentity, 'namespace' | 'instance' | 'run'>): string {
  return [identity.namespace, identity.instance, identity.run].map(escapeNameToken).join('.');
}

export function buildRunEventSubject(identity: RunIdentity, type: RunEventType): string {
  return `${runEventsPrefix}.${runTokens(identity)}.${type}`;
}

export function buildRunInputSubject(identity: Pick<RunIdentity, 'namespace' | 'instance' | 'run'>): string {
  return `${runInputPrefix}.${runTokens(identity)}`;
}

/** Every event of one run (its bridge's publish permission, a watcher's filter). */
export function buildRunEventsFilter(identity: Pick<RunIdentity, 'namespace' | 'instance' | 'run'>): string {
  return `${runEventsPrefix}.${runTokens(identity)}.>`;
}

/** The runs a follower watches: one run of an instance, or all of them. */
export interface RunEventScope {
  namespace: string;
  instance: string;
  run?: string;
}

/** Every event of the runs in `scope`. */
export function buildRunEventScopeFilter(scope: RunEventScope): string {
  if (scope.run !== undefined) return buildRunEventsFilter({ ...scope, run: scope.run });
  return `${runEventsPrefix}.${[scope.namespace, scope.instance].map(escapeNameToken).join('.')}.*.*`;
}

/** Every event of every run: what the API server's durable consumer stores. */
export const allRunEventsFilter = `${runEventsPrefix}.*.*.*.*`;

/** The events of one type of every run. */
export function buildRunEventTypeFilter(type: RunEventType): string {
  return `${runEventsPrefix}.*.*.*.${type}`;
}

/** The `completed` event of every run: what the controller's durable consumer reads. */
export const completedEventsFilter = buildRunEventTypeFilter('completed');

/** Every run's sub-agent requests: what the controller's spawn consumer reads. */
export const subagentRequestsFilter = buildRunEventTypeFilter('subagent_request');

export interface ParsedRunEventSubject {
  namespace: string;
  instance: string;
  run: string;
  type: RunEventType;
}

/** The run and type a subject names, or undefined when it is not a run event subject. */
export function parseRunEventSubject(subject: string): ParsedRunEventSubject | undefined {
  const tokens = subject.split('.');
  if (tokens.length !== 6 || `${tokens[0]}.${tokens[1]}` !== runEventsPrefix) return undefined;
  const [, , namespace, instance, run, type] = tokens as [string, string, string, string, string, string];
  if (!(runEventTypes as readonly string[]).includes(type)) return undefined;
  return {
    namespace: unescapeNameToken(namespace),
    instance: unescapeNameToken(instance),
    run: unescapeNameToken(run),
    type: type as RunEventType,
  };
}

/**
 * Inbox prefix of one run's bridge. Replies (publish acks, consumer info, pulled messages) come back
 * on it, so its credentials may subscribe here only, never to `_INBOX.>` where others' replies go.
 */
export function buildRunInboxPrefix(identity: Pick<RunIdentity, 'runUid'>): string {
  return `_INBOX_${checkUid(identity.runUid)}`;
}

/** The durable pull consumer through which a run's bridge reads its input. */
export function buildRunInputConsumerName(identity: Pick<RunIdentity, 'runUid'>): string {
  return `input-${checkUid(identity.runUid)}`;
}

/** A JetStream message id unique across runs: event and input ids are only unique within a run. */
export function buildMessageId(identity: Pick<RunIdentity, 'runUid'>, id: string): string {
  return `${checkUid(identity.runUid)}:${id}`;
}

/** Where one run's bridge asks for its session's history: only that run's credentials may publish here. */
export function buildRunHistorySubject(
  identity: Pick<RunIdentity, 'namespace' | 'instance' | 'run'>,
): string {
  return `${runHistoryPrefix}.${runTokens(identity)}`;
}

/** Every run's history requests: what the API server replicas answer, as one queue group. */
export const allRunHistoryFilter = `${runHistoryPrefix}.*.*.*`;

/** The queue group of the API server replicas: one of them answers each history request. */
export const runHistoryQueue = 'k8sclaw-apiserver-history';

/** The run a history request subject names, or undefined when it is not one. */
export function parseRunHistorySubject(
  subject: string,
): Pick<RunIdentity, 'namespace' | 'instance' | 'run'> | undefined {
  const tokens = subject.split('.');
  if (tokens.length !== 5 || `${tokens[0]}.${tokens[1]}` !== runHistoryPrefix) return undefined;
  const [, , namespace, instance, run] = tokens as [string, string, string, string, string];
  const names = [namespace, instance, run].map(unescapeNameToken);
  // a token a Kubernetes name cannot produce (`*`, `>`, upper case) names no run
  if (!names.every((name) => namePattern.test(name))) return undefined;
  const [ns, inst, name] = names as [string, string, string];
  return { namespace: ns, instance: inst, run: name };
}
