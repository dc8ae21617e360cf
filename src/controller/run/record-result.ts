// The result writer: stores a finished run's memory entries in its instance's memory ConfigMap
// (optimistic concurrency, size cap) and then writes the result fields of its status under its own
// field manager. Called for each completion event from the bus and, when the bus never delivered
// one, with the termination message. Recording twice is harmless: a recorded run is skipped, and
// memory entries already present are not added again.
import {
  agentRunKind,
  clawInstanceKind,
  clawPolicyKind,
  fieldManagers,
  resourceOf,
  type AgentRun,
  type ClawInstance,
  type ClawPolicy,
  type KindDescriptor,
  type RunResult,
} from '../../api/index.ts';
import { isConflict, undefinedIfNotFound, type KubeClient } from '../../kube/index.ts';
import {
  applyMemoryUpdates,
  memoryFileKey,
  resolveEffectiveRun,
  type EffectiveRun,
} from '../../orchestrator/index.ts';
import { isOwnedBy } from '../ownership.ts';
import { isResultRecorded, planResultRecord, type ResultSource } from './plan-result.ts';

export const resultFieldManager = fieldManagers.controller('agentrun-result');

export interface RecordResultDeps {
  kube: KubeClient;
  now: () => Date;
  /** Told every outcome, e.g. to count them in metrics. */
  onOutcome?: (source: ResultSource, outcome: RecordOutcome) => void;
}

export type RecordOutcome =
  | { recorded: true; memory: MemoryOutcome }
  | { recorded: false; why: 'run-gone' | 'other-run' | 'already-recorded' };

export interface MemoryOutcome {
  appended: number;
  dropped: number;
  skipped?: string;
}

/** Reads the run fresh from the apiserver: a cache may not show a result recorded a moment ago. */
export async function recordRunResult(
  deps: RecordResultDeps,
  target: { namespace: string; name: string; uid?: string },
  result: RunResult,
  source: ResultSource,
): Promise<RecordOutcome> {
  const outcome = await record(deps, target, result, source);
  deps.onOutcome?.(source, outcome);
  return outcome;
}

async function record(
  deps: RecordResultDeps,
  target: { namespace: string; name: string; uid?: string },
  result: RunResult,
  source: ResultSource,
): Promise<RecordOutcome> {
  const { kube } = deps;
  const resource = resourceOf(agentRunKind);
  let run = await getCustom<AgentRun>(kube, agentRunKind, target.namespace, target.name);
  const skip = skipReason(run, target.uid);
  if (skip || !run) return { recorded: false, why: skip ?? 'run-gone' };

  // memory first, once: a crash before the status write replays it, and repeats add nothing
  const { effective, instanceUid } = (await effectiveRunOf(kube, run)) ?? {};
  const memoryWritable =
    effective !== undefined && effective.memory.enabled && effective.featureGates['memory-write'];
  const entries = planResultRecord(run, result, { source, memoryWritable, now: deps.now() }).memoryEntries;
  const memory =
    effective && entries.length > 0
      ? await appendMemory(kube, target.namespace, effective, instanceUid, entries)
      : { appended: 0, dropped: 0 };

  for (let attempt = 1; ; attempt++) {
    const record = planResultRecord(run, result, { source, memoryWritable, now: deps.now() });
    try {
      await kube.applyStatus(
        resource,
        {
          apiVersion: resource.apiVersion,
          kind: resource.kind,
          // the version read is a precondition: of two writers racing (the bus and the fallback, or
          // two replicas with two completions of one run) only one records; the other reads again
          metadata: {
            name: run.metadata.name,
            namespace: run.metadata.namespace,
            resourceVersion: run.metadata.resourceVersion,
          },
          status: record.status,
        },
        resultFieldManager,
      );
      return { recorded: true, memory };
    } catch (error) {
      if (!isConflict(error) || attempt >= maxConflictRetries) throw error;
    }
    run = await getCustom<AgentRun>(kube, agentRunKind, target.namespace, target.name);
    const skipNow = skipReason(run, target.uid);
    if (skipNow || !run) return { recorded: false, why: skipNow ?? 'run-gone' };
  }
}

function skipReason(
  run: AgentRun | undefined,
  uid: string | undefined,
): 'run-gone' | 'other-run' | 'already-recorded' | undefined {
  if (!run) return 'run-gone';
  if (uid && run.metadata.uid !== uid) return 'other-run';
  return isResultRecorded(run) ? 'already-recorded' : undefined;
}

async function effectiveRunOf(
  kube: KubeClient,
  run: AgentRun,
): Promise<{ effective: EffectiveRun; instanceUid: string | undefined } | undefined> {
  const namespace = run.metadata.namespace;
  const instance = await getCustom<ClawInstance>(kube, clawInstanceKind, namespace, run.spec.instanceRef);
  if (!instance) return undefined;
  const policy = instance.spec.policyRef
    ? await getCustom<ClawPolicy>(kube, clawPolicyKind, namespace, instance.spec.policyRef)
    : undefined;
  const resolved = resolveEffectiveRun(run, instance, policy);
  return resolved.ok ? { effective: resolved.effective, instanceUid: instance.metadata.uid } : undefined;
}

function getCustom<T>(
  kube: KubeClient,
  kind: KindDescriptor,
  namespace: string,
  name: string,
): Promise<T | undefined> {
  return undefinedIfNotFound(
    kube.customObjects.getNamespacedCustomObject({ ...resourceOf(kind), namespace, name }) as Promise<T>,
  );
}

const maxConflictRetries = 5;

/**
 * Read-modify-replace with the ConfigMap's resourceVersion, retried when another writer won; only
 * the instance's own ConfigMap is written, never a user's of the same name.
 */
async function appendMemory(
  kube: KubeClient,
  namespace: string,
  effective: EffectiveRun,
  instanceUid: string | undefined,
  entries: readonly string[],
): Promise<MemoryOutcome> {
  const name = effective.memory.configMapName;
  for (let attempt = 1; ; attempt++) {
    const configMap = await undefinedIfNotFound(kube.core.readNamespacedConfigMap({ name, namespace }));
    if (!configMap) return { appended: 0, dropped: 0, skipped: `ConfigMap ${name} not found` };
    if (!isOwnedBy(configMap, instanceUid)) {
      return {
        appended: 0,
        dropped: 0,
        skipped: `ConfigMap ${name} is not owned by instance ${effective.instanceName}`,
      };
    }
    const outcome = applyMemoryUpdates(
      configMap.data?.[memoryFileKey] ?? '',
      entries,
      effective.memory.maxSizeKB,
    );
    if (outcome.appended === 0 && outcome.dropped === 0) return { appended: 0, dropped: 0 };
    configMap.data = { ...configMap.data, [memoryFileKey]: outcome.content };
    try {
      await kube.core.replaceNamespacedConfigMap({ name, namespace, body: configMap });
      return { appended: outcome.appended, dropped: outcome.dropped };
    } catch (error) {
      if (!isConflict(error) || attempt >= maxConflictRetries) throw error;
    }
  }
}
