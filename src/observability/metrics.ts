// Prometheus metrics of the controller manager (reconcile counts, errors and durations; queue depth
// and wait), in one registry per process served on /metrics.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface ControllerMetrics {
  registry: Registry;
  reconcileTotal: Counter<'controller' | 'result'>;
  reconcileDuration: Histogram<'controller'>;
  queueDepth: Gauge<'controller'>;
  queueWait: Histogram<'controller'>;
  isLeader: Gauge;
  leadershipLosses: Counter;
  runResults: Counter<'source' | 'outcome'>;
}

export function createControllerMetrics(): ControllerMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'k8sclaw_' });
  return {
    registry,
    reconcileTotal: new Counter({
      name: 'k8sclaw_reconcile_total',
      help: 'Reconciles by controller and result (success, requeue, error, terminal).',
      labelNames: ['controller', 'result'],
      registers: [registry],
    }),
    reconcileDuration: new Histogram({
      name: 'k8sclaw_reconcile_duration_seconds',
      help: 'Time spent in one reconcile.',
      labelNames: ['controller'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    queueDepth: new Gauge({
      name: 'k8sclaw_workqueue_depth',
      help: 'Keys waiting in the work queue.',
      labelNames: ['controller'],
      registers: [registry],
    }),
    queueWait: new Histogram({
      name: 'k8sclaw_workqueue_wait_seconds',
      help: 'How long keys waited in the queue before a worker took them.',
      labelNames: ['controller'],
      buckets: [0.001, 0.01, 0.1, 0.5, 1, 5, 10, 60],
      registers: [registry],
    }),
    isLeader: new Gauge({
      name: 'k8sclaw_leader',
      help: '1 while this replica holds the leader Lease.',
      registers: [registry],
    }),
    leadershipLosses: new Counter({
      name: 'k8sclaw_leadership_losses_total',
      help: 'Leadership terms of this replica that ended without a stop (the Lease taken or not renewed in time).',
      registers: [registry],
    }),
    runResults: new Counter({
      name: 'k8sclaw_run_results_total',
      help: 'Run results handled, by source (event-bus, termination-message) and outcome (recorded, already-recorded, other-run, run-gone).',
      labelNames: ['source', 'outcome'],
      registers: [registry],
    }),
  };
}
