// The controller manager: one informer per watched kind (shared by every controller), event →
// key mappings (an owned object enqueues its owner), periodic resync, and leader election. Every
// replica keeps its caches warm; only the leader runs the controllers, so a standby takes over
// with synced caches. Ready means every cache has listed. When leadership is lost (the Lease taken,
// or not renewed within the renew deadline, e.g. while the apiserver is unreachable) the
// controllers stop taking keys at once; once the reconciles in flight have ended the replica
// stands by with its caches warm and campaigns again, so a short outage of the apiserver costs a
// pause, not a restart with a full relist (see docs/decisions.md).
import type { Logger } from '../observability/index.ts';
import type { ControllerMetrics } from '../observability/index.ts';
import {
  Controller,
  LeaderElector,
  objectKey,
  type KubeClient,
  type ControllerObserver,
  type InformerEvent,
  type Reconcile,
  type ResourceInformer,
} from '../kube/index.ts';

export interface Watch<T extends object> {
  informer: ResourceInformer<T>;
  /** Keys of the controller's primary objects that an event on this object concerns. */
  toKeys: (object: T, event: InformerEvent) => string[];
  /**
   * Coalesce: a key this watch wakes is reconciled once this long after the first event, however
   * many come meanwhile (a burst of runs is one instance status write a second, not one per run).
   */
  coalesceMs?: number;
}

export interface ControllerRegistration {
  name: string;
  reconcile: Reconcile;
  primary: ResourceInformer<object>;
  watches: Watch<object>[];
  workers?: number;
  /** Updates of the primary object that need no reconcile return false (all pass by default). */
  reconcilesUpdate?: (previous: object | undefined, object: object) => boolean;
}

export interface ManagerOptions {
  leaseNamespace: string;
  leaseName: string;
  identity: string;
  resyncMs: number;
  leaseDurationMs?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
}

export class ControllerManager {
  private readonly kube: KubeClient;
  private readonly options: ManagerOptions;
  private readonly logger: Logger;
  private readonly metrics: ControllerMetrics | undefined;
  private readonly informers = new Set<ResourceInformer<object>>();
  private readonly registrations: ControllerRegistration[] = [];
  private leading = false;
  private leadershipTerms = 0;

  constructor(kube: KubeClient, options: ManagerOptions, logger: Logger, metrics?: ControllerMetrics) {
    this.kube = kube;
    this.options = options;
    this.logger = logger;
    this.metrics = metrics;
  }

  register(registration: ControllerRegistration): void {
    this.registrations.push(registration);
    this.informers.add(registration.primary);
    for (const watch of registration.watches) this.informers.add(watch.informer);
  }

  /** Ready once every informer has listed; leadership is not required (standbys are ready too). */
  get isReady(): boolean {
    return this.informers.size > 0 && [...this.informers].every((informer) => informer.hasSynced);
  }

  get isLeader(): boolean {
    return this.leading;
  }

  /** How often this replica has become leader (a term ends when leadership is lost). */
  get terms(): number {
    return this.leadershipTerms;
  }

  /**
   * Syncs the caches, campaigns, and runs the controllers while leading, until `stop` aborts and
   * the reconciles in flight have finished. A lost leadership ends a term, not the run.
   */
  async run(stop: AbortSignal): Promise<void> {
    const stopInformers = () => Promise.all([...this.informers].map((informer) => informer.stop()));
    const onStop = () => void stopInformers();
    stop.addEventListener('abort', onStop, { once: true });
    try {
      // each start resolves once its first list succeeded (failing lists are retried) or on stop
      await Promise.all([...this.informers].map((informer) => informer.start()));
      if (stop.aborted) return;
      this.logger.info({ informers: this.informers.size }, 'caches synced');
      await this.lead(stop);
    } finally {
      stop.removeEventListener('abort', onStop);
      await stopInformers();
    }
  }

  private async lead(stop: AbortSignal): Promise<void> {
    const elector = new LeaderElector(this.kube, {
      namespace: this.options.leaseNamespace,
      name: this.options.leaseName,
      identity: this.options.identity,
      ...(this.options.leaseDurationMs ? { leaseDurationMs: this.options.leaseDurationMs } : {}),
      ...(this.options.renewDeadlineMs ? { renewDeadlineMs: this.options.renewDeadlineMs } : {}),
      ...(this.options.retryPeriodMs ? { retryPeriodMs: this.options.retryPeriodMs } : {}),
    });
    while (!stop.aborted) {
      let controllersDone: Promise<void> = Promise.resolve();
      const ended = await elector.run(
        {
          onStartedLeading: (lost) => {
            this.leading = true;
            this.leadershipTerms += 1;
            this.metrics?.isLeader.set(1);
            this.logger.info({ identity: this.options.identity }, 'became leader');
            controllersDone = this.runControllers(lost);
          },
          onStoppedLeading: () => {
            this.leading = false;
            this.metrics?.isLeader.set(0);
            this.logger.info({ identity: this.options.identity }, 'stopped leading');
          },
          onNewLeader: (identity) => this.logger.info({ leader: identity }, 'observed leader'),
        },
        stop,
      );
      // no key has been handed out since the loss; campaigning again waits for the reconciles
      // still in flight, so this replica never works beside a term of its own
      await controllersDone;
      if (ended === 'lost') {
        this.metrics?.leadershipLosses.inc();
        this.logger.warn({ identity: this.options.identity }, 'leadership lost; standing by');
      }
    }
  }

  private observer(): ControllerObserver {
    const metrics = this.metrics;
    return {
      reconciled: (controller, result, seconds) => {
        metrics?.reconcileTotal.inc({ controller, result });
        metrics?.reconcileDuration.observe({ controller }, seconds);
      },
      queueDepth: (controller, depth) => metrics?.queueDepth.set({ controller }, depth),
      queueWait: (controller, seconds) => metrics?.queueWait.observe({ controller }, seconds),
      failed: (controller, key, error, retryInMs) =>
        this.logger.warn({ controller, key, err: error, retryInMs }, 'reconcile failed'),
    };
  }

  private async runControllers(lost: AbortSignal): Promise<void> {
    // the informers outlive a term: this term's handlers are removed when it ends
    const unsubscribes: (() => void)[] = [];
    lost.addEventListener('abort', () => unsubscribes.forEach((unsubscribe) => unsubscribe()), {
      once: true,
    });
    const running = this.registrations.map((registration) => {
      const controller = new Controller(registration.name, registration.reconcile, {
        workers: registration.workers ?? 2,
        observer: this.observer(),
      });
      const enqueueAll = () =>
        registration.primary.list().forEach((object) => controller.enqueue(objectKey(object)));
      const reconcilesUpdate = registration.reconcilesUpdate;
      unsubscribes.push(
        registration.primary.on((event, object, previous) => {
          if (event === 'update' && reconcilesUpdate && !reconcilesUpdate(previous, object)) return;
          controller.enqueue(objectKey(object));
        }),
      );
      for (const watch of registration.watches) {
        if (watch.informer === registration.primary) continue;
        unsubscribes.push(
          watch.informer.on((event, object) =>
            watch
              .toKeys(object, event)
              .forEach((key) =>
                watch.coalesceMs ? controller.enqueueAfter(key, watch.coalesceMs) : controller.enqueue(key),
              ),
          ),
        );
      }
      enqueueAll();
      const resync = setInterval(enqueueAll, this.options.resyncMs);
      resync.unref();
      lost.addEventListener('abort', () => clearInterval(resync), { once: true });
      return controller.run(lost);
    });
    await Promise.all(running);
  }
}
