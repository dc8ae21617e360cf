// What the TUI does on the cluster, each a thin call to the CLI's own commands and resources:
// create a run or a schedule, read an instance's memory, delete an object, describe it (the object
// and its recent Events) and read a pod's logs. Each resolves to text for a screen or a message,
// and a failure to one sentence.
import { Writable } from 'node:stream';
import { stringify } from 'yaml';
import {
  agentRunKind,
  apiVersion,
  clawScheduleKind,
  type AgentRun,
  type ClawSchedule,
} from '../../api/index.ts';
import type { V1Pod } from '../../kube/index.ts';
import type { CliContext } from '../cli-context.ts';
import { readInstanceMemory } from '../commands/memory-commands.ts';
import { explainKubeFailure } from '../kube-failure.ts';
import { streamPodLog } from '../pod-log.ts';
import type { ViewDefinition, TuiObject } from './tui-views.ts';

export class TuiActions {
  private readonly ctx: CliContext;

  constructor(ctx: CliContext) {
    this.ctx = ctx;
  }

  async createRun(namespace: string, instance: string, task: string): Promise<string> {
    const run = await this.ctx.resources().create<AgentRun>(agentRunKind, {
      apiVersion,
      kind: 'AgentRun',
      metadata: { namespace, name: '', generateName: `${instance}-` },
      spec: { instanceRef: instance, task },
    });
    return `agentrun/${run.metadata.name} created`;
  }

  async createSchedule(namespace: string, instance: string, schedule: string, task: string): Promise<string> {
    const created = await this.ctx.resources().create<ClawSchedule>(clawScheduleKind, {
      apiVersion,
      kind: 'ClawSchedule',
      metadata: { namespace, name: '', generateName: `${instance}-` },
      spec: { instanceRef: instance, schedule, task },
    });
    return `clawschedule/${created.metadata.name} created`;
  }

  memory(namespace: string, instance: string): Promise<string> {
    return readInstanceMemory(this.ctx, instance, namespace);
  }

  async delete(view: ViewDefinition, namespace: string, name: string): Promise<string> {
    if (view.kind) {
      await this.ctx.resources().delete(view.kind, name, namespace);
      return `${view.kind.singular} "${name}" deleted`;
    }
    const kube = this.ctx.kube();
    await kube.core.deleteNamespacedPod({ name, namespace }).catch((error: unknown) => {
      throw explainKubeFailure(error, {
        verb: 'delete',
        kind: { singular: 'pod', plural: 'pods' },
        name,
        namespace,
        server: kube.server,
      });
    });
    return `pod "${name}" deleted`;
  }

  /** The object as YAML (without managedFields) and the Events about it, newest last. */
  async describe(object: TuiObject & { kind?: string }): Promise<string> {
    const { metadata = {} } = object;
    const shown = { ...object, metadata: { ...metadata, managedFields: undefined } };
    const kube = this.ctx.kube();
    const events = await kube.core
      .listNamespacedEvent({
        namespace: metadata.namespace ?? '',
        fieldSelector: `involvedObject.name=${metadata.name ?? ''}`,
      })
      .then(
        (list) =>
          list.items
            .filter((e) => !object.kind || e.involvedObject.kind === object.kind)
            .slice(-20)
            .map((e) => `${e.type ?? ''}\t${e.reason ?? ''}\t${e.message ?? ''}`)
            .join('\n') || '<none>',
        (error: unknown) => `cannot list events: ${(error as Error).message}`,
      );
    return `${stringify(shown).trimEnd()}\n\nEvents:\n${events}`;
  }

  /** Follows one container's log, handing each chunk to `onText`, until `signal` aborts. */
  async followLog(
    pod: { namespace: string; name: string; container: string },
    onText: (text: string) => void,
    signal: AbortSignal,
  ): Promise<void> {
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        onText(chunk.toString('utf8'));
        done();
      },
    });
    await streamPodLog(
      this.ctx.kube(),
      { namespace: pod.namespace, pod: pod.name, container: pod.container, follow: true, signal },
      sink,
    );
  }

  async runPod(run: AgentRun): Promise<V1Pod | undefined> {
    const name = run.status?.podName;
    if (!name) return undefined;
    return await this.ctx.kube().core.readNamespacedPod({ name, namespace: run.metadata.namespace });
  }
}

/** A run's details: its outcome, counts and token usage. Pure. */
export function runDetails(run: AgentRun): string {
  const s = run.status ?? {};
  return [
    `Run ${run.metadata.namespace}/${run.metadata.name} on ${run.spec.instanceRef}`,
    `Phase:       ${s.phase ?? 'Pending'}`,
    `Duration:    ${s.duration ?? '-'}`,
    `Tool calls:  ${s.toolCalls ?? 0}`,
    `Tokens:      ${s.tokenUsage ? `${s.tokenUsage.input} in, ${s.tokenUsage.output} out` : '-'}`,
    '',
    'Task:',
    run.spec.task,
    '',
    s.error ? `Error:\n${s.error}` : `Result:\n${s.result ?? '(none yet)'}`,
  ].join('\n');
}
