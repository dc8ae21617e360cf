// What recording a run's result means (pure): the status fields the result writer owns (result,
// tokenUsage, toolCalls and the ResultRecorded condition) and the memory entries to store. The
// result arrives from the event bus or, when the bus lost it, from the agent container's
// termination message; either way it is recorded once, and memory markers never reach users.
import { changesMoreThanStatus } from '../event-filters.ts';
import {
  conditionTypes,
  compileMessageValidator,
  reasons,
  resultMaxLength,
  runResultSchema,
  type AgentRun,
  type AgentRunStatus,
  type Condition,
  type RunResult,
} from '../../api/index.ts';
import { extractMemoryMarkers } from '../../orchestrator/index.ts';
import { setCondition } from '../status-conditions.ts';

export type ResultSource = 'event-bus' | 'termination-message';

export interface ResultRecord {
  /** The status fields of the result writer, to apply under its own field manager. */
  status: Pick<AgentRunStatus, 'result' | 'tokenUsage' | 'toolCalls' | 'conditions'>;
  /** Memory entries to append to the instance's memory (empty when the run may not write memory). */
  memoryEntries: string[];
}

/** The fields of AgentRun status that only the result writer sets. */
export const resultStatusFields = ['result', 'tokenUsage', 'toolCalls'] as const;

/** Conditions other writers own: the result writer's, and the API server's for chat replies. */
const conditionsOwnedElsewhere: readonly string[] = [
  conditionTypes.resultRecorded,
  conditionTypes.replyDelivered,
];

/** A status without what other writers own: what the reconciler writes and compares. */
export function withoutResultFields(status: AgentRunStatus): AgentRunStatus {
  const { result: _result, tokenUsage: _usage, toolCalls: _calls, ...rest } = status;
  const conditions = rest.conditions?.filter((c) => !conditionsOwnedElsewhere.includes(c.type));
  return { ...rest, ...(conditions ? { conditions } : {}) };
}

/**
 * Whether an update of a run concerns its reconciler: anything but a change of the reconciler's own
 * status fields (a spec or metadata change, or the result writer's fields).
 */
export function runUpdateNeedsReconcile(previous: AgentRun | undefined, run: AgentRun): boolean {
  if (!previous) return true;
  const resultPart = (r: AgentRun) =>
    JSON.stringify([
      ...resultStatusFields.map((field) => r.status?.[field] ?? null),
      resultRecordedCondition(r) ?? null,
    ]);
  return changesMoreThanStatus(previous, run) || resultPart(previous) !== resultPart(run);
}

export function resultRecordedCondition(run: AgentRun): Condition | undefined {
  return run.status?.conditions?.find((c) => c.type === conditionTypes.resultRecorded);
}

export function isResultRecorded(run: AgentRun): boolean {
  return resultRecordedCondition(run)?.status === 'True';
}

export function planResultRecord(
  run: AgentRun,
  result: RunResult,
  options: { source: ResultSource; memoryWritable: boolean; now: Date },
): ResultRecord {
  const { cleaned, updates } = extractMemoryMarkers(result.response ?? '');
  const memoryEntries = options.memoryWritable ? [...result.memoryUpdates, ...updates] : [];
  const succeeded = result.status === 'succeeded';
  const via = options.source === 'event-bus' ? 'the event bus' : "the agent container's termination message";
  // a failure's message is what users read as the run's error; a success says where it came from
  const message = succeeded ? `result received through ${via}` : (result.error ?? 'the agent failed');
  const text = truncateResult(cleaned, result.truncated === true);
  // only the writer's own condition: other conditions belong to the reconciler
  const conditions = setCondition(
    run.status?.conditions?.filter((c) => c.type === conditionTypes.resultRecorded),
    {
      type: conditionTypes.resultRecorded,
      status: 'True',
      reason: succeeded ? reasons.succeeded : (result.reason ?? reasons.failed),
      message: message.slice(0, 4096),
    },
    options.now,
    run.metadata.generation,
  );
  return {
    status: {
      ...(text ? { result: text } : {}),
      tokenUsage: result.usage,
      toolCalls: result.toolCalls,
      conditions,
    },
    memoryEntries,
  };
}

function truncateResult(text: string, alreadyTruncated: boolean): string {
  const note = '\n[truncated: the full answer is in the session history]';
  if (text.length <= resultMaxLength) return alreadyTruncated && text ? clip(text + note) : text;
  return clip(text.slice(0, resultMaxLength - note.length) + note);
}

const clip = (text: string) => text.slice(0, resultMaxLength);

const checkResult = compileMessageValidator(runResultSchema);

/**
 * The runner's termination message: a RunResult (the response shortened to fit the 4 KiB limit).
 * Anything else (a crash's log tail) is not a result.
 */
export function parseTerminationMessage(message: string | undefined): RunResult | undefined {
  if (!message?.trim().startsWith('{')) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(message);
  } catch {
    return undefined;
  }
  const checked = checkResult(value);
  return checked.ok ? checked.value : undefined;
}
