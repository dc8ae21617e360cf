// Kubernetes Events for user-visible transitions of K8sClaw objects (`kubectl describe` shows
// them). Recording is best effort: a failed Event never fails a reconcile.
import type { KubeClient } from './kube-client.ts';

export interface EventTarget {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace: string; uid?: string };
}

export class EventRecorder {
  private readonly kube: KubeClient;
  private readonly component: string;
  private readonly now: () => Date;

  constructor(kube: KubeClient, component: string, now: () => Date = () => new Date()) {
    this.kube = kube;
    this.component = component;
    this.now = now;
  }

  async record(
    target: EventTarget,
    type: 'Normal' | 'Warning',
    reason: string,
    message: string,
  ): Promise<void> {
    const now = this.now();
    const { name, namespace, uid } = target.metadata;
    try {
      await this.kube.create({
        apiVersion: 'v1',
        kind: 'Event',
        metadata: { generateName: `${name}.`, namespace },
        involvedObject: {
          apiVersion: target.apiVersion,
          kind: target.kind,
          name,
          namespace,
          ...(uid ? { uid } : {}),
        },
        type,
        reason,
        message: message.slice(0, 1024),
        source: { component: this.component },
        reportingComponent: this.component,
        firstTimestamp: now.toISOString(),
        lastTimestamp: now.toISOString(),
        count: 1,
      });
    } catch {
      // events are informational; the status carries the same facts
    }
  }
}
