// Prometheus metrics of the HTTP API server: requests by method, route template and status, their
// durations, and the reply receipts of chat channels it recorded on their runs, in one registry per
// process served on /metrics by the health server.
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface ApiServerMetrics {
  registry: Registry;
  requests: Counter<'method' | 'route' | 'status'>;
  requestDuration: Histogram<'method' | 'route'>;
  /** outcome: delivered, refused, undeliverable (src/api/channel-messages.ts replyOutcomes). */
  channelReplyReceipts: Counter<'channel' | 'outcome'>;
}

export function createApiServerMetrics(): ApiServerMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'k8sclaw_' });
  return {
    registry,
    requests: new Counter({
      name: 'k8sclaw_api_requests_total',
      help: 'HTTP API requests by method, route template and status code.',
      labelNames: ['method', 'route', 'status'],
      registers: [registry],
    }),
    requestDuration: new Histogram({
      name: 'k8sclaw_api_request_duration_seconds',
      help: 'Time to answer one HTTP API request.',
      labelNames: ['method', 'route'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    channelReplyReceipts: new Counter({
      name: 'k8sclaw_channel_reply_receipts_total',
      help: 'Chat replies recorded on their AgentRun, by channel type and outcome: delivered, refused by the service for good, or undeliverable.',
      labelNames: ['channel', 'outcome'],
      registers: [registry],
    }),
  };
}
